// The two panels over the data points, at the step the timeline shows: the fit (the line, yhat,
// the residuals, and the traces other modules layer on top) and the lines of the steps so far.

import { clippedLine } from "../lib/clip-line.js";
import { downsample } from "../lib/downsample.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { COLORS } from "./palette.js";
import { baseLayout, drawChart } from "./plotly.js";

const HISTORY_BANDS = 5; // Older lines are fainter; one trace per band keeps drawing cheap.
const MAX_HISTORY_LINES = 200;

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

/** The line of `weights` across the chart's window (`extent`), clipped near its edges. */
const lineThrough = (weights, extent) => clippedLine(weights, extent.x, extent.y);

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
    { name, type: "scatter", mode: "lines", ...lineThrough(weights, extent), line: style, hoverinfo: "skip" },
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

/**
 * Draw the fit plot at the timeline's step. `layers` are functions (state, details) → traces,
 * drawn on top: what other modules show there (the mini-batch, the points being edited).
 */
export function drawFitChart(state, details, layers) {
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
  for (const layer of layers) data.push(...layer(state, details));
  drawChart("fit-chart", data, dataLayout("fit", extent));
}

/** Draw the lines up to the step shown: dragging the timeline back replays how the line moved. */
export function drawSlopeChart(state) {
  const { points } = state.run;
  const extent = dataExtent(points);
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
      const line = lineThrough(record.weights_after, extent);
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
  drawChart("slope-chart", data, dataLayout("slope", extent));
}
