// Every panel of the run page at the step the timeline shows: redrawn over animation frames,
// however fast steps arrive, and once they stop coming, completed with what the server explains
// about the step shown (its details, the loss surface around the path).

import { drawFitChart, drawSlopeChart, predictionsAt } from "../charts/data-charts.js";
import { DataTables } from "../charts/data-tables.js";
import { drawLossChart } from "../charts/loss-chart.js";
import { LazyCharts } from "../charts/lazy-charts.js";
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
const FIT_CHART = "fit-chart";
const LOSS_CHART = "loss-chart";
const SLOPE_CHART = "slope-chart";
const SURFACE_CHART = "surface-chart";

export class Panels {
  /**
   * The run in `state`, the page's state, and the step `details` (a DetailCache). `alongside`
   * render with the readouts (the step link, the experiment); `playing()` says whether steps
   * are streaming in; `reportError(error)` shows what went wrong (Plotly could not be loaded).
   */
  constructor(state, page, details, { alongside, playing, reportError }) {
    this.state = state;
    this.page = page;
    this.details = details;
    this.alongside = alongside;
    this.playing = playing;
    this.reportError = reportError;
    this.surface = new SurfaceChart(SURFACE_CHART, state.run.id, () => this.schedule());
    this.tables = new DataTables();
    // A chart is drawn once it has come near the screen (LazyCharts); until then its part
    // draws nothing, and it is drawn whole when it gets there.
    this.chartParts = new Map(
      [
        [FIT_CHART, () => drawFitChart(state, details, page.fitLayers)],
        [LOSS_CHART, () => drawLossChart(state, page.drawnLoss)],
        [SLOPE_CHART, () => drawSlopeChart(state)],
      ].map(([id, draw]) => [id, () => this.lazy.ready(id) && draw()]),
    );
    const charts = [...this.chartParts.values()];
    // The surface's caption is text, written out wherever the chart is.
    const surface = () => this.surface.render(state, details, { draw: this.lazy.ready(SURFACE_CHART) });
    this.chartParts.set(SURFACE_CHART, surface);
    // The text first, then the charts, cheapest and most read first.
    this.frames = new FrameScheduler([() => this.renderText(), ...charts, surface], {
      minIntervals: new Map([
        ...charts.map((part) => [part, CHART_INTERVAL_WHILE_PLAYING_MS]),
        [surface, SURFACE_INTERVAL_WHILE_PLAYING_MS],
      ]),
      throttled: playing,
      onSettled: () => this.requestExplanations(),
    });
    this.lazy = new LazyCharts([...this.chartParts.keys()], {
      onDrawable: (id) => this.chartDrawable(id),
      onError: reportError,
    });
  }

  /** The chart `id` has come near the screen, and Plotly is loaded: draw it in a frame of its own. */
  chartDrawable(id) {
    if (id === SURFACE_CHART && !this.playing()) this.surface.want(this.state);
    this.frames.schedule([this.chartParts.get(id)]);
  }

  /**
   * Draw the chart `id` now, wherever it is on the page (its PNG is wanted, a pick starts on
   * it). Resolves to whether it is drawn: false when Plotly could not be loaded (reported).
   */
  async drawChartNow(id) {
    try {
      await this.lazy.reveal(id);
    } catch (error) {
      this.reportError(error);
      return false;
    }
    // The surface with its contours, not the path alone on an empty plot.
    if (id === SURFACE_CHART) await this.surface.want(this.state);
    this.frames.drawNow(this.chartParts.get(id));
    return true;
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
      if (this.lazy.ready(SURFACE_CHART)) this.surface.want(this.state);
    }, SETTLE_MS);
  }
}
