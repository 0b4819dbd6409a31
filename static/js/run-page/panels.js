// Every panel of the run page at the step the timeline shows: redrawn over animation frames,
// however fast steps arrive, and once they stop coming, completed with what the server explains
// about the step shown (its details, the loss surface around the path).

import { drawFitChart, drawSlopeChart, predictionsAt } from "../charts/data-charts.js";
import { DataTables } from "../charts/data-tables.js";
import { drawLossChart } from "../charts/loss-chart.js";
import { SurfaceChart } from "../charts/surface-chart.js";
import { FrameScheduler } from "../lib/frame-scheduler.js";
import { renderDivergence } from "./divergence-box.js";
import { renderStepPanel } from "./step-panel.js";
import { renderReadouts, renderTimeline } from "./toolbar.js";

const SETTLE_MS = 150; // Ask the server for explanations once the timeline stops moving.
// While steps stream in, charts are redrawn at most this often (the contour plot, the
// costliest, least often); the readouts follow every frame.
const CHART_INTERVAL_WHILE_PLAYING_MS = 100;
const SURFACE_INTERVAL_WHILE_PLAYING_MS = 500;

export class Panels {
  /**
   * The run in `state`, the page's state, and the step `details` (a DetailCache). `alongside`
   * render with the readouts (the step link, the experiment); `playing()` says whether steps
   * are streaming in.
   */
  constructor(state, page, details, { alongside, playing }) {
    this.state = state;
    this.page = page;
    this.details = details;
    this.alongside = alongside;
    this.playing = playing;
    this.surface = new SurfaceChart("surface-chart", state.run.id, () => this.schedule());
    this.tables = new DataTables();
    const charts = [
      () => drawFitChart(state, details, page.fitLayers),
      () => drawLossChart(state, page.drawnLoss),
      () => drawSlopeChart(state),
    ];
    const surface = () => this.surface.render(state, details);
    // The text first, then the charts, cheapest and most read first.
    this.frames = new FrameScheduler([() => this.renderText(), ...charts, surface], {
      minIntervals: new Map([
        ...charts.map((part) => [part, CHART_INTERVAL_WHILE_PLAYING_MS]),
        [surface, SURFACE_INTERVAL_WHILE_PLAYING_MS],
      ]),
      throttled: playing,
      onSettled: () => this.requestExplanations(),
    });
  }

  renderText() {
    const { state, details } = this;
    renderReadouts(state);
    renderTimeline(state);
    for (const part of this.alongside) part.render();
    renderStepPanel(state, details);
    renderDivergence(state, this.page);
    this.tables.render(state, predictionsAt(state, details, state.position));
  }

  /** Redraw what changed, spread over the next animation frames. */
  schedule() {
    this.frames.schedule();
  }

  /** Draw everything now: the first paint. */
  drawAll() {
    this.frames.drawAll();
  }

  /** Fetch what the shown step needs from the session, once steps stop streaming in. */
  requestExplanations() {
    if (this.playing()) return;
    clearTimeout(this.page.settleTimer);
    this.page.settleTimer = setTimeout(() => {
      if (this.playing()) return;
      this.details.want(this.state.stepsToExplain());
      this.surface.want(this.state);
    }, SETTLE_MS);
  }
}
