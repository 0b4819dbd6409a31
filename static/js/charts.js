// The sample's three panels, drawn with Plotly at the step the timeline shows.
// Plotly.react with a fixed uirevision keeps a learner's zoom while new steps arrive.

import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { downsample } from "./sampling.js";

// Okabe–Ito colours: distinguishable with the common forms of colour blindness.
export const COLORS = {
  points: "#0072B2",
  predictions: "#D55E00",
  line: "#009E73",
  answer: "#7f7f7f",
  loss: "#0072B2",
  residuals: "#CC79A7",
  marker: "#D55E00",
};

const HISTORY_BANDS = 5; // Older lines are fainter; one trace per band keeps drawing cheap.
const MAX_CURVE_POINTS = 1000;
const MAX_HISTORY_LINES = 200;
// A loss spanning more than this ratio (a diverging run) is drawn on a log axis.
const LOG_SCALE_RATIO = 1e3;
// Plotly's own toolbar texts, as the page's messages: Plotly looks them up by their English.
const PLOTLY_MESSAGES = {
  Zoom: "plotly.zoom",
  Pan: "plotly.pan",
  "Zoom in": "plotly.zoom_in",
  "Zoom out": "plotly.zoom_out",
  Autoscale: "plotly.autoscale",
  "Reset axes": "plotly.reset_axes",
  "Download plot as a PNG": "plotly.download",
  "Toggle Spike Lines": "plotly.spikes",
  "Show closest data on hover": "plotly.hover_closest",
  "Compare data on hover": "plotly.hover_compare",
  "Double-click to zoom back out": "plotly.zoom_back",
};
const PLOTLY_LOCALE = "stepwise";
window.Plotly.register({
  moduleType: "locale",
  name: PLOTLY_LOCALE,
  dictionary: Object.fromEntries(Object.entries(PLOTLY_MESSAGES).map(([english, key]) => [english, t(key)])),
});

const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  // Sharing uploads the chart to Plotly's cloud: nothing leaves a classroom's server.
  modeBarButtonsToRemove: ["lasso2d", "select2d", "sendChartToCloud"],
  locale: PLOTLY_LOCALE,
};

export function baseLayout(xTitle, yTitle, revision) {
  return {
    uirevision: revision,
    margin: { l: 56, r: 16, t: 12, b: 48 },
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans CJK SC', sans-serif", size: 14, color: "#1d2733" },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "#ffffff",
    xaxis: { title: { text: xTitle }, zeroline: false, gridcolor: "#e3e8ee", automargin: true },
    yaxis: {
      title: { text: yTitle },
      zeroline: false,
      gridcolor: "#e3e8ee",
      automargin: true,
      exponentformat: "e",
    },
    // Two legend entries a row: the panels are narrow, and a column of entries squeezes the plot.
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 }, entrywidth: 0.5, entrywidthmode: "fraction", itemsizing: "constant" },
    hovermode: "closest",
  };
}

/** Axis ranges around the points, fixed so the view does not jump as the line moves. */
function dataExtent(points) {
  const pad = (lo, hi) => {
    const margin = (hi - lo) * 0.12 || 1;
    return [lo - margin, hi + margin];
  };
  return {
    x: pad(Math.min(...points.x), Math.max(...points.x)),
    y: pad(Math.min(...points.y), Math.max(...points.y)),
  };
}

function lineThrough(weights, xRange) {
  return { x: xRange, y: xRange.map((x) => weights.b + weights.m * x) };
}

const isFinitePair = (w) => w && w.b !== null && w.m !== null;

function pointsTrace(points, opacity = 1) {
  return {
    name: t("chart.data"),
    type: "scatter",
    mode: "markers",
    x: points.x,
    y: points.y,
    marker: { color: COLORS.points, size: 10, opacity },
    hovertemplate: "x %{x:.4g}<br>y %{y:.4g}<extra></extra>",
  };
}

function lineTrace(weights, extent, name, style) {
  if (!isFinitePair(weights)) return [];
  return [
    { name, type: "scatter", mode: "lines", ...lineThrough(weights, extent.x), line: style, hoverinfo: "skip" },
  ];
}

/** A layout over the data's fixed extent, shared by the panels that draw points. */
function dataLayout(revision, extent) {
  const layout = baseLayout("x", "y", revision);
  layout.xaxis.range = extent.x;
  layout.yaxis.range = extent.y;
  return layout;
}

/** yhat at step k, as TensorFlow computed it, if the page has it yet. */
export function predictionsAt(state, details, k) {
  if (k === state.lastStep && state.current) return state.current.predictions;
  const next = details.peek(k + 1);
  return next && next.points.length ? next.points.map((p) => p.prediction) : null;
}

function residualTrace(detail) {
  const x = [];
  const y = [];
  for (const point of detail.points) {
    if (point.prediction === null) continue;
    x.push(point.x, point.x, null);
    y.push(point.y, point.prediction, null);
  }
  return {
    name: t("chart.residuals", { step: detail.step }),
    type: "scatter",
    mode: "lines",
    x,
    y,
    line: { color: COLORS.residuals, width: 3, dash: "dot" },
    hoverinfo: "skip",
  };
}

// Traces other modules draw over the fit plot (the mini-batch, the points being edited), each a
// function (state, details) → traces, so that they survive every redraw of the panel.
const fitLayers = [];

/** Draw `layer(state, details)`'s traces on top of the fit plot from now on. */
export function addFitLayer(layer) {
  fitLayers.push(layer);
}

function fitFigure(state, details) {
  const { points, answer } = state.run;
  const extent = dataExtent(points);
  const k = state.position;
  const { step, weights } = state.lineAt(k);
  const data = [
    ...lineTrace(answer, extent, t("chart.answer"), { color: COLORS.answer, width: 2, dash: "dash" }),
    pointsTrace(points),
  ];
  const explained = details.peek(state.explainedStep(k));
  if (explained && explained.points.length) {
    if (explained.step === k) {
      data.push(
        ...lineTrace(explained.weights_before, extent, t("chart.line_before", { step: k }), {
          color: COLORS.line,
          width: 2,
          dash: "dash",
        }),
      );
    }
    data.push(residualTrace(explained));
  }
  const predictions = predictionsAt(state, details, k);
  if (predictions) {
    data.push({
      name: t("chart.predictions"),
      type: "scatter",
      mode: "markers",
      x: points.x,
      y: predictions,
      marker: { color: COLORS.predictions, size: 9, symbol: "diamond" },
      hovertemplate: "x %{x:.4g}<br>yhat %{y:.4g}<extra></extra>",
    });
  }
  data.push(...lineTrace(weights, extent, t("chart.line_at", { step }), { color: COLORS.line, width: 3 }));
  for (const layer of fitLayers) data.push(...layer(state, details));
  return { data, layout: dataLayout("fit", extent) };
}

function lossAxisType(losses) {
  const positive = losses.filter((loss) => loss !== null && loss > 0);
  if (positive.length < 2) return "linear";
  return Math.max(...positive) / Math.min(...positive) > LOG_SCALE_RATIO ? "log" : "linear";
}

function emptyNote(text) {
  return { text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 15, color: "#5a6676" } };
}

const MARKERS_UP_TO = 200; // Longer curves are drawn as a line alone.

function lossFigure(state) {
  const shown = downsample(state.history, MAX_CURVE_POINTS);
  const losses = shown.map((r) => r.loss_after);
  const data = [
    {
      name: t("chart.loss_after"),
      type: "scatter",
      mode: shown.length > MARKERS_UP_TO ? "lines" : "lines+markers",
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
  if (!state.history.length) layout.annotations = [emptyNote(t("chart.no_steps"))];
  return { data, layout };
}

function slopeFigure(state) {
  const { points } = state.run;
  const extent = dataExtent(points);
  // The lines up to the step shown: dragging the timeline back replays how the line moved.
  const finite = downsample(
    state.history.filter((r) => r.step <= state.position && isFinitePair(r.weights_after)),
    MAX_HISTORY_LINES,
  );
  const data = [pointsTrace(points, 0.35)];
  const bandSize = Math.max(1, Math.ceil(finite.length / HISTORY_BANDS));
  for (let start = 0, band = 0; start < finite.length; start += bandSize, band += 1) {
    const x = [];
    const y = [];
    for (const record of finite.slice(start, start + bandSize)) {
      const line = lineThrough(record.weights_after, extent.x);
      x.push(...line.x, null);
      y.push(...line.y, null);
    }
    data.push({
      name: t("chart.each_step"),
      showlegend: band === 0,
      type: "scatter",
      mode: "lines",
      x,
      y,
      line: { color: COLORS.line, width: 1.5 },
      opacity: 0.15 + (0.45 * (band + 1)) / HISTORY_BANDS,
      hoverinfo: "skip",
    });
  }
  const { weights } = state.lineAt(state.position);
  const name = `b = ${formatNumber(weights.b)}, m = ${formatNumber(weights.m)}`;
  data.push(...lineTrace(weights, extent, name, { color: COLORS.line, width: 3 }));
  return { data, layout: dataLayout("slope", extent) };
}

const FIGURES = { "fit-chart": fitFigure, "loss-chart": lossFigure, "slope-chart": slopeFigure };
export const CHART_IDS = Object.keys(FIGURES);

const NARROW_CHART_PX = 480; // Below this, one legend entry a row keeps names whole.

/** Plotly.react, with the legend laid out for the chart's width. */
export function drawChart(elementId, data, layout) {
  if (document.getElementById(elementId).clientWidth < NARROW_CHART_PX) {
    // One entry a row, under the plot, where the toolbar does not cover it.
    Object.assign(layout.legend, { entrywidth: 1, y: -0.3, yanchor: "top" });
  }
  window.Plotly.react(elementId, data, layout, PLOT_CONFIG);
}

// What the loss chart holds, so that new steps can be appended instead of redrawn.
const drawnLoss = { steps: 0, whole: false, axis: "linear", traces: 0 };

/**
 * Append the steps that arrived since the loss chart was drawn, and move its step marker.
 * Only while the timeline follows the newest step and the curve is drawn whole (not thinned)
 * and would look the same redrawn; otherwise returns false and the chart is redrawn.
 */
function appendLosses(state) {
  const element = document.getElementById("loss-chart");
  const steps = state.history.length;
  const losses = state.history.map((r) => r.loss_after);
  const unchanged =
    drawnLoss.whole &&
    state.following &&
    steps > drawnLoss.steps &&
    steps <= MARKERS_UP_TO === drawnLoss.steps <= MARKERS_UP_TO &&
    steps <= MAX_CURVE_POINTS &&
    lossAxisType(losses) === drawnLoss.axis &&
    state.lossAt(state.position) !== null &&
    element.data?.length === drawnLoss.traces;
  if (!unchanged) return false;
  const fresh = state.history.slice(drawnLoss.steps);
  window.Plotly.extendTraces(element, { x: [fresh.map((r) => r.step)], y: [fresh.map((r) => r.loss_after)] }, [0]);
  const marker = element.data.length - 1;
  window.Plotly.restyle(element, { x: [[state.position]], y: [[state.lossAt(state.position)]] }, [marker]);
  drawnLoss.steps = steps;
  return true;
}

/** Draw (or redraw) one of the three panels at the timeline's step. */
export function renderChart(elementId, state, details) {
  if (elementId === "loss-chart" && appendLosses(state)) return;
  const { data, layout } = FIGURES[elementId](state, details);
  drawChart(elementId, data, layout);
  if (elementId === "loss-chart") {
    Object.assign(drawnLoss, {
      steps: state.history.length,
      whole: state.history.length <= MAX_CURVE_POINTS,
      axis: layout.yaxis.type,
      // Appending needs the step marker as the last trace.
      traces: state.lossAt(state.position) === null ? -1 : data.length,
    });
  }
}
