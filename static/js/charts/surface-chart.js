// The loss surface over (b, m): contours computed by the run's session, the weights' path,
// the step shown, and an arrow for the next update.

import { getSurface } from "../api/client.js";
import { downsample } from "../lib/downsample.js";
import { t } from "../lib/i18n.js";
import { boundsFor, covers, nextUpdate, pathOf } from "../model/weight-path.js";
import { COLORS } from "./palette.js";
import { baseLayout, curveMode, drawChart } from "./plotly.js";

const GRID_SIZE = 48;
const MAX_PATH_POINTS = 1000;

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
    const update = nextUpdate(state, details, k);
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
