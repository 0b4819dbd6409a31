// The loss panel: the loss after each step, the loss before the first, and the step shown.
// While the timeline follows a streaming run, new steps are appended to the drawn curve:
// redrawing thousands of points for each step would not keep up.

import { $ } from "../lib/dom.js";
import { downsample } from "../lib/downsample.js";
import { t } from "../lib/i18n.js";
import { COLORS } from "./palette.js";
import { MARKERS_UP_TO, baseLayout, centredNote, curveMode, drawChart } from "./plotly.js";

const CHART_ID = "loss-chart";
const MAX_CURVE_POINTS = 1000;
// A loss spanning more than this ratio (a diverging run) is drawn on a log axis.
const LOG_SCALE_RATIO = 1e3;

/** "log" for losses spanning more than LOG_SCALE_RATIO, else "linear" (overflows, null, left out). */
export function lossAxisType(losses) {
  const positive = losses.filter((loss) => loss !== null && loss > 0);
  if (positive.length < 2) return "linear";
  return Math.max(...positive) / Math.min(...positive) > LOG_SCALE_RATIO ? "log" : "linear";
}

function lossFigure(state) {
  const shown = downsample(state.history, MAX_CURVE_POINTS);
  const losses = shown.map((r) => r.loss_after);
  const data = [
    {
      name: t("chart.loss_after"),
      type: "scatter",
      mode: curveMode(shown.length),
      x: shown.map((r) => r.step),
      y: losses,
      line: { color: COLORS.loss, width: 2 },
      marker: { size: 5 },
      hovertemplate: `${t("table.step")} %{x}<br>${t("table.loss")} %{y:.5g}<extra></extra>`,
    },
  ];
  const initialLoss = state.lossAt(0);
  if (initialLoss !== null) {
    // The loss before any update: the sample's list starts after the first one, and would
    // hide the biggest drop.
    data.push({
      name: t("chart.initial_loss"),
      type: "scatter",
      mode: "markers",
      x: [0],
      y: [initialLoss],
      marker: { color: COLORS.loss, size: 9, symbol: "square-open", line: { width: 2 } },
      hovertemplate: `${t("chart.initial_loss")}<br>%{y:.5g}<extra></extra>`,
    });
  }
  const k = state.position;
  const shownLoss = state.lossAt(k);
  if (shownLoss !== null) {
    data.push({
      name: t("chart.shown_step", { step: k }),
      type: "scatter",
      mode: "markers",
      x: [k],
      y: [shownLoss],
      marker: { color: COLORS.marker, size: 13, symbol: "circle-open", line: { width: 3 } },
      hoverinfo: "skip",
    });
  }
  const axis = state.run.config.loss === "mean_squared_error" ? "chart.loss_axis_mse" : "chart.loss_axis";
  const layout = baseLayout(t("chart.step_axis"), t(axis), "loss");
  layout.showlegend = false;
  layout.yaxis.type = lossAxisType(losses);
  if (!state.history.length) layout.annotations = [centredNote(t("chart.no_steps"))];
  return { data, layout };
}

/**
 * Append the steps that arrived since the chart was drawn, and move its step marker.
 * Only while the timeline follows the newest step and the curve is drawn whole (not thinned)
 * and would look the same redrawn; otherwise returns false and the chart is redrawn.
 */
function appendLosses(state, drawn) {
  const element = $(CHART_ID);
  const steps = state.history.length;
  const losses = state.history.map((r) => r.loss_after);
  const unchanged =
    drawn.whole &&
    state.following &&
    steps > drawn.steps &&
    steps <= MARKERS_UP_TO === drawn.steps <= MARKERS_UP_TO &&
    steps <= MAX_CURVE_POINTS &&
    lossAxisType(losses) === drawn.axis &&
    state.lossAt(state.position) !== null &&
    element.data?.length === drawn.traces;
  if (!unchanged) return false;
  const fresh = state.history.slice(drawn.steps);
  window.Plotly.extendTraces(element, { x: [fresh.map((r) => r.step)], y: [fresh.map((r) => r.loss_after)] }, [0]);
  const marker = element.data.length - 1;
  window.Plotly.restyle(element, { x: [[state.position]], y: [[state.lossAt(state.position)]] }, [marker]);
  drawn.steps = steps;
  return true;
}

/**
 * Draw the loss chart at the timeline's step, appending where it can. `drawn` is the page's
 * record of what the chart holds ({steps, whole, axis, traces}), kept up to date here.
 */
export function drawLossChart(state, drawn) {
  if (appendLosses(state, drawn)) return;
  const { data, layout } = lossFigure(state);
  drawChart(CHART_ID, data, layout);
  Object.assign(drawn, {
    steps: state.history.length,
    whole: state.history.length <= MAX_CURVE_POINTS,
    axis: layout.yaxis.type,
    // Appending needs the step marker as the last trace.
    traces: state.lossAt(state.position) === null ? -1 : data.length,
  });
}
