// The sample's three panels, drawn with Plotly from a RunState.
// Plotly.react with a fixed uirevision keeps a learner's zoom while new steps arrive.

import { formatNumber } from "./format.js";

// Okabe–Ito colours: distinguishable with the common forms of colour blindness.
export const COLORS = {
  points: "#0072B2",
  predictions: "#D55E00",
  line: "#009E73",
  answer: "#7f7f7f",
  loss: "#0072B2",
};

const HISTORY_BANDS = 5; // Older lines are fainter; one trace per band keeps drawing cheap.
const PLOT_CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

function baseLayout(xTitle, yTitle, revision) {
  return {
    uirevision: revision,
    margin: { l: 56, r: 16, t: 12, b: 48 },
    font: { family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", size: 14, color: "#1d2733" },
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
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
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

function pointsTrace(points, opacity = 1) {
  return {
    name: "data",
    type: "scatter",
    mode: "markers",
    x: points.x,
    y: points.y,
    marker: { color: COLORS.points, size: 10, opacity },
    hovertemplate: "x %{x:.4g}<br>y %{y:.4g}<extra>data</extra>",
  };
}

/** The bold line of the shown weights: none if they overflowed. */
function shownLineTrace(weights, extent, name) {
  if (weights.b === null || weights.m === null) return [];
  return [
    {
      name,
      type: "scatter",
      mode: "lines",
      ...lineThrough(weights, extent.x),
      line: { color: COLORS.line, width: 3 },
      hoverinfo: "skip",
    },
  ];
}

/** A layout over the data's fixed extent, shared by the panels that draw points. */
function dataLayout(revision, extent) {
  const layout = baseLayout("x", "y", revision);
  layout.xaxis.range = extent.x;
  layout.yaxis.range = extent.y;
  return layout;
}

function fitFigure(state) {
  const { points, answer } = state.run;
  const extent = dataExtent(points);
  const { step, weights } = state.shownLine;
  const data = [
    {
      name: "closed-form answer (polyfit)",
      type: "scatter",
      mode: "lines",
      ...lineThrough(answer, extent.x),
      line: { color: COLORS.answer, width: 2, dash: "dash" },
      opacity: 0.6,
      hoverinfo: "skip",
    },
    pointsTrace(points),
  ];
  if (state.current) {
    data.push({
      name: "predictions (yhat)",
      type: "scatter",
      mode: "markers",
      x: points.x,
      y: state.current.predictions,
      marker: { color: COLORS.predictions, size: 9, symbol: "diamond" },
      hovertemplate: "x %{x:.4g}<br>yhat %{y:.4g}<extra>prediction</extra>",
    });
  }
  data.push(...shownLineTrace(weights, extent, `line at step ${step}`));
  return { data, layout: dataLayout("fit", extent) };
}

// A loss spanning more than this ratio (a diverging run) is drawn on a log axis.
const LOG_SCALE_RATIO = 1e3;

function lossAxisType(losses) {
  const positive = losses.filter((loss) => loss !== null && loss > 0);
  if (positive.length < 2) return "linear";
  return Math.max(...positive) / Math.min(...positive) > LOG_SCALE_RATIO ? "log" : "linear";
}

function emptyNote(text) {
  return { text, xref: "paper", yref: "paper", x: 0.5, y: 0.5, showarrow: false, font: { size: 15, color: "#5a6676" } };
}

function lossFigure(state) {
  const losses = state.history.map((r) => r.loss_after);
  const data = [
    {
      name: "loss after each step",
      type: "scatter",
      mode: state.history.length > 200 ? "lines" : "lines+markers",
      x: state.history.map((r) => r.step),
      y: losses,
      line: { color: COLORS.loss, width: 2 },
      marker: { size: 5 },
      hovertemplate: "step %{x}<br>loss %{y:.5g}<extra></extra>",
    },
  ];
  const layout = baseLayout("step", "loss = l2_loss(yhat − y)", "loss");
  layout.showlegend = false;
  layout.yaxis.type = lossAxisType(losses);
  if (!losses.length) layout.annotations = [emptyNote("No steps yet: press Step or Run 50")];
  return { data, layout };
}

function slopeFigure(state) {
  const { points } = state.run;
  const extent = dataExtent(points);
  const finite = state.history.filter((r) => r.weights_after.b !== null && r.weights_after.m !== null);
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
      name: band === 0 ? "line after each step" : `steps ${finite[start].step}+`,
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
  const { weights } = state.shownLine;
  const name = `b = ${formatNumber(weights.b)}, m = ${formatNumber(weights.m)}`;
  data.push(...shownLineTrace(weights, extent, name));
  return { data, layout: dataLayout("slope", extent) };
}

const FIGURES = { "fit-chart": fitFigure, "loss-chart": lossFigure, "slope-chart": slopeFigure };

/** Draw (or redraw) every panel from `state`. */
export function renderCharts(state) {
  for (const [elementId, figure] of Object.entries(FIGURES)) {
    const { data, layout } = figure(state);
    window.Plotly.react(elementId, data, layout, PLOT_CONFIG);
  }
}
