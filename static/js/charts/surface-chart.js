// The loss surface over (b, m): contours computed by the run's session, the weights' path,
// the step shown, and arrows for the next update: TensorFlow's own, and beside it, for the
// optimizers that bend it, the plain gradient step −lr·∇L, faintly. A caption under the chart
// says what each arrow is and how the window was chosen.

import { getSurface } from "../api/client.js";
import { $, element } from "../lib/dom.js";
import { downsample } from "../lib/downsample.js";
import { t } from "../lib/i18n.js";
import { surfaceCaption } from "../model/surface-caption.js";
import { covers, nextUpdate, pathOf, surfaceFrame } from "../model/weight-path.js";
import { COLORS } from "./palette.js";
import { baseLayout, curveMode, drawChart } from "./plotly.js";

const GRID_SIZE = 48;
const MAX_PATH_POINTS = 1000;
const CAPTION_ID = "surface-caption";
const GRADIENT_STEP_COLOR = "rgba(29, 39, 51, 0.5)";

/**
 * An arrow from `from` to `to` as a trace: a line with an arrowhead marker at its end, pointed
 * along the line (Plotly's annotation arrows vanish when shorter than their head; a step of
 * Adam's can be a pixel long). `role` in `meta` tells the arrows apart.
 */
function arrowTrace(role, name, from, to, { color, width, head, dash = "solid" }) {
  return {
    name,
    meta: { role },
    type: "scatter",
    mode: "lines+markers",
    x: [from.b, to.b],
    y: [from.m, to.m],
    line: { color, width, dash },
    // A white edge keeps the head apart from the ring of the step shown, of the same colour.
    marker: { symbol: "arrow", angleref: "previous", size: [0, head], color, line: { color: "#ffffff", width: 1 } },
    hovertemplate: `${name}<br>b %{x:.5g}<br>m %{y:.5g}<extra></extra>`,
  };
}

/** A short label just past an arrow's head, on the side it points to, clear of the arrow. */
function headLabel(name, from, to, text) {
  const right = to.b >= from.b;
  const up = to.m >= from.m;
  return {
    name,
    x: to.b,
    y: to.m,
    xref: "x",
    yref: "y",
    showarrow: false,
    text,
    xanchor: right ? "left" : "right",
    yanchor: up ? "bottom" : "top",
    xshift: right ? 8 : -8,
    yshift: up ? 6 : -6,
    font: { size: 12, color: "#1d2733" },
    bgcolor: "rgba(255, 255, 255, 0.75)",
  };
}

export class SurfaceChart {
  constructor(elementId, runId, onLoad) {
    this.elementId = elementId;
    this.runId = runId;
    this.onLoad = onLoad;
    this.surface = null;
    this.requested = null;
    this.arriving = Promise.resolve(); // The grid asked for last.
    this.caption = null; // The caption's text as drawn.
  }

  /**
   * Fetch a new grid when the path has left the one drawn. Resolves once the grid around the
   * path is in, or could not be had (a PNG of the chart waits for it).
   */
  want(state) {
    const { bounds } = surfaceFrame(state, pathOf(state));
    if (this.requested && covers(this.requested, bounds)) return this.arriving;
    this.requested = bounds;
    this.arriving = getSurface(this.runId, bounds, GRID_SIZE)
      .then((surface) => {
        // Transformed once: a new z array on every frame would make Plotly redo the contours.
        const logLoss = surface.loss.map((row) => row.map((loss) => (loss === null ? null : Math.log10(loss + 1e-12))));
        this.surface = { bounds, logLoss, ...surface };
        this.onLoad();
      })
      .catch(() => {
        this.requested = null;
      });
    return this.arriving;
  }

  /** The chart (unless `draw` is false: it is not near the screen yet) and its caption. */
  render(state, details, { draw = true } = {}) {
    const whole = pathOf(state);
    const update = nextUpdate(state, details, state.position);
    this.renderCaption(state, update, surfaceFrame(state, whole));
    if (draw) this.draw(state, whole, update);
  }

  draw(state, whole, update) {
    const path = downsample(whole, MAX_PATH_POINTS);
    const k = state.position;
    const shown = state.lineAt(k);
    const data = [];
    const layout = baseLayout("b", "m", "surface");
    if (this.surface) {
      data.push({
        type: "contour",
        x: this.surface.b,
        y: this.surface.m,
        z: this.surface.logLoss,
        customdata: this.surface.loss,
        colorscale: "Viridis",
        reversescale: true,
        // Filled bands draw several times faster than a smooth heatmap colouring.
        contours: { coloring: "fill", showlines: true },
        line: { width: 0.5, color: "rgba(255,255,255,0.5)" },
        colorbar: { title: { text: t("chart.log_loss"), side: "right" }, thickness: 12 },
        hovertemplate: `b %{x:.4g}<br>m %{y:.4g}<br>${t("table.loss")} %{customdata:.5g}<extra></extra>`,
        name: t("table.loss"),
      });
      layout.xaxis.range = this.surface.bounds.b;
      layout.yaxis.range = this.surface.bounds.m;
    }
    data.push(
      {
        name: t("chart.path"),
        type: "scatter",
        mode: curveMode(path.length),
        x: path.map((w) => w.b),
        y: path.map((w) => w.m),
        customdata: path.map((w) => w.step),
        line: { color: "#ffffff", width: 2 },
        marker: { color: "#ffffff", size: 5, line: { color: "#1d2733", width: 1 } },
        hovertemplate: `${t("table.step")} %{customdata}<br>b %{x:.5g}<br>m %{y:.5g}<extra></extra>`,
      },
      {
        name: t("chart.answer_point"),
        type: "scatter",
        mode: "markers",
        x: [state.run.answer.b],
        y: [state.run.answer.m],
        marker: { color: "#ffffff", size: 16, symbol: "star", line: { color: "#1d2733", width: 1.5 } },
        hovertemplate: "b %{x:.5g}<br>m %{y:.5g}<extra></extra>",
      },
    );
    // The arrows, under the marker of the step shown, which is a ring: a short arrow shows
    // through it.
    const annotations = [];
    if (update && update.gradientStep) {
      const style = { color: GRADIENT_STEP_COLOR, width: 2, head: 11, dash: "dot" };
      data.push(arrowTrace("gradient-step", t("chart.gradient_step"), update.from, update.gradientStep, style));
    }
    if (update) {
      const style = { color: COLORS.marker, width: 3, head: 14 };
      data.push(arrowTrace("next-update", t("chart.next_update"), update.from, update.to, style));
      annotations.push(headLabel("next-update", update.from, update.to, t("chart.shown_step", { step: update.step })));
    }
    data.push({
      name: t("chart.current", { step: shown.step }),
      type: "scatter",
      mode: "markers",
      x: [shown.weights.b],
      y: [shown.weights.m],
      marker: { symbol: "circle-open", color: COLORS.marker, size: 18, line: { width: 3 } },
      hoverinfo: "skip",
    });
    layout.annotations = annotations;
    drawChart(this.elementId, data, layout);
  }

  renderCaption(state, update, frame) {
    const box = $(CAPTION_ID);
    if (!box) return;
    const lines = surfaceCaption(state.run.config, update, frame);
    const text = lines.join("\n");
    if (text === this.caption) return; // Unchanged: left as it is, with what a reader selected.
    this.caption = text;
    box.replaceChildren(...lines.map((line) => element("p", {}, line)));
  }
}
