// The loss surface over (b, m): contours computed by the run's session, the weights' path,
// the step shown, and an arrow for the next update.

import { getSurface } from "./api.js";
import { COLORS, baseLayout, drawChart } from "./charts.js";
import { t } from "./i18n.js";
import { downsample } from "./sampling.js";

const GRID_SIZE = 48;
const MAX_PATH_POINTS = 1000;
const PADDING = 0.35; // Room around the path, as a share of its span.
const MIN_SPAN = 0.5;
// Points further from the answer than this many times the start are a diverging run's
// blow-up; the surface stays around the part of the path that can be looked at.
const FAR_FACTOR = 10;

const finite = (w) => w && w.b !== null && w.m !== null;

export function pathOf(state) {
  const path = [{ step: 0, ...state.run.initial_weights }];
  for (const record of state.history) {
    if (finite(record.weights_after)) path.push({ step: record.step, ...record.weights_after });
  }
  return path;
}

/** Axis ranges around the answer and the part of `path` near it (a blow-up is left out). */
export function boundsFor(state, path) {
  const answer = state.run.answer;
  const start = path[0];
  const reach = Math.hypot(start.b - answer.b, start.m - answer.m) * FAR_FACTOR || MIN_SPAN;
  const near = path.filter((w) => Math.hypot(w.b - answer.b, w.m - answer.m) <= reach);
  const span = (values) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = Math.max((hi - lo) * PADDING, MIN_SPAN / 2);
    return [lo - pad, hi + pad];
  };
  return {
    b: span([answer.b, ...near.map((w) => w.b)]),
    m: span([answer.m, ...near.map((w) => w.m)]),
  };
}

const covers = (outer, inner) =>
  outer.b[0] <= inner.b[0] && outer.b[1] >= inner.b[1] && outer.m[0] <= inner.m[0] && outer.m[1] >= inner.m[1];

export class SurfaceChart {
  constructor(elementId, runId, onLoad) {
    this.elementId = elementId;
    this.runId = runId;
    this.onLoad = onLoad;
    this.surface = null;
    this.requested = null;
  }

  /** Fetch a new grid when the path has left the one drawn. */
  want(state) {
    const bounds = boundsFor(state, pathOf(state));
    if (this.requested && covers(this.requested, bounds)) return;
    this.requested = bounds;
    getSurface(this.runId, bounds, GRID_SIZE)
      .then((surface) => {
        // Transformed once: a new z array on every frame would make Plotly redo the contours.
        const logLoss = surface.loss.map((row) => row.map((loss) => (loss === null ? null : Math.log10(loss + 1e-12))));
        this.surface = { bounds, logLoss, ...surface };
        this.onLoad();
      })
      .catch(() => {
        this.requested = null;
      });
  }

  forget() {
    this.surface = null;
    this.requested = null;
  }

  /** The next update from step k: the stored one, or the session's gradient at the last step. */
  static nextUpdate(state, details, k) {
    const next = state.record(k + 1);
    if (next && finite(next.weights_before) && finite(next.weights_after)) {
      return { from: next.weights_before, to: next.weights_after };
    }
    const preview = details.peek(k + 1);
    if (k === state.lastStep && preview && !preview.applied && finite(preview.gradient)) {
      const lr = state.run.config.learning_rate;
      const from = preview.weights_before;
      return { from, to: { b: from.b - lr * preview.gradient.b, m: from.m - lr * preview.gradient.m } };
    }
    return null;
  }

  render(state, details) {
    const path = downsample(pathOf(state), MAX_PATH_POINTS);
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
        mode: path.length > 200 ? "lines" : "lines+markers",
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
      {
        name: t("chart.current", { step: shown.step }),
        type: "scatter",
        mode: "markers",
        x: [shown.weights.b],
        y: [shown.weights.m],
        marker: { color: COLORS.marker, size: 14, line: { color: "#ffffff", width: 2 } },
        hoverinfo: "skip",
      },
    );
    const update = SurfaceChart.nextUpdate(state, details, k);
    if (update) {
      layout.annotations = [
        {
          x: update.to.b,
          y: update.to.m,
          ax: update.from.b,
          ay: update.from.m,
          xref: "x",
          yref: "y",
          axref: "x",
          ayref: "y",
          showarrow: true,
          arrowhead: 3,
          arrowsize: 1.3,
          arrowwidth: 2.5,
          arrowcolor: COLORS.marker,
          text: "",
          hovertext: t("chart.next_update"),
        },
      ];
    }
    drawChart(this.elementId, data, layout);
  }
}
