// The compare page's two charts, every run overlaid: the loss by step (log axis) and the path of
// the weights in the (b, m) plane, with the data tables behind them.
// A run here is {id, slot, name, state}: `state` is a RunState, `slot` picks its colour and dash.

import { downsample } from "../lib/downsample.js";
import { t } from "../lib/i18n.js";
import { dataGroups } from "../model/comparison.js";
import { boundsFor, pathOf } from "../model/weight-path.js";
import { table } from "./data-tables.js";
import { baseLayout, centredNote, curveMode, drawChart } from "./plotly.js";

const LOSS_CHART = "compare-loss-chart";
const PATH_CHART = "compare-path-chart";

const MAX_POINTS = 1000; // A trace each run: eight runs of 10,000 steps still draw at once.
// Line patterns and marker shapes as well as colours, so runs stay apart in grey or print.
const DASHES = [
  "solid",
  "9px,4px",
  "3px,3px",
  "12px,4px,3px,4px",
  "6px,6px",
  "2px,5px",
  "16px,5px",
  "9px,3px,2px,3px,2px,3px",
];
const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "hourglass"];
const INK = "#1d2733";
const HEADROOM_DECADES = 2; // Above the highest loss of the runs that did not diverge.

/** The colour (Okabe–Ito, from the stylesheet), dash and marker of the run in `slot` (0–7). */
export function runStyle(slot) {
  const color = getComputedStyle(document.documentElement)
    .getPropertyValue(`--run-${slot + 1}`)
    .trim();
  return { color, dash: DASHES[slot], symbol: SYMBOLS[slot] };
}

const lossPoints = (run) => downsample(run.state.stepsFromZero(), MAX_POINTS);
const pathPoints = (run) => downsample(pathOf(run.state), MAX_POINTS);

function layoutFor(runs, xTitle, yTitle) {
  const layout = baseLayout(xTitle, yTitle, runs.map((run) => run.id).join(","));
  layout.showlegend = false; // The key above each chart names the runs, at every width.
  if (!runs.length) layout.annotations = [centredNote(t("compare.no_runs_chart"))];
  return layout;
}

function curveTrace(run, points, x, y, hover) {
  const style = runStyle(run.slot);
  return {
    name: run.name,
    meta: { run: run.id, role: "run" },
    type: "scatter",
    mode: curveMode(points.length),
    x,
    y,
    customdata: points.map((p) => p.step),
    line: { color: style.color, width: 2.5, dash: style.dash },
    marker: { color: style.color, size: 6, symbol: style.symbol },
    hovertemplate: `${run.name}<br>${hover}<extra></extra>`,
  };
}

/** A marker for where a run ended: the last finite value, a cross where the run diverged. */
function endTrace(run, x, y, text) {
  const { color } = runStyle(run.slot);
  const diverged = run.state.diverged;
  return {
    name: run.name,
    meta: { run: run.id, role: diverged ? "diverged" : "end" },
    type: "scatter",
    mode: diverged ? "markers+text" : "markers",
    x: [x],
    y: [y],
    text: [diverged ? t("compare.diverged_mark", { step: run.state.divergedAt }) : ""],
    textposition: "top center",
    textfont: { color: INK, size: 12 },
    marker: diverged
      ? { color, size: 15, symbol: "x", line: { color: INK, width: 1 } }
      : { color, size: 11, symbol: "circle", line: { color: "#ffffff", width: 1.5 } },
    hovertemplate: `${text}<extra></extra>`,
  };
}

/**
 * With a diverged run beside runs that did not diverge, the axis stops a few decades above the
 * others' losses, which the blow-up would flatten into one line; an arrow at the top says where
 * each diverged curve leaves. Plotly's Autoscale shows all of it. Null: the axis fits everything.
 */
function clippedLossRange(runs) {
  const stable = runs.filter((run) => !run.state.diverged);
  if (!stable.length || stable.length === runs.length) return null;
  const positive = (some) =>
    some.flatMap((run) => lossPoints(run).map((p) => p.loss_after)).filter((loss) => loss > 0);
  const kept = positive(stable);
  if (!kept.length) return null;
  return [Math.log10(Math.min(...positive(runs))) - 0.1, Math.log10(Math.max(...kept)) + HEADROOM_DECADES];
}

function leavesTheChart(run, top) {
  const exit = lossPoints(run).find((p) => p.loss_after > top);
  if (!exit) return [];
  const text = `↑ ${run.name}: ${t("compare.diverged_mark", { step: run.state.divergedAt })}`;
  const font = { size: 12, color: INK };
  return [{ x: exit.step, y: 1, xref: "x", yref: "paper", yanchor: "bottom", text, showarrow: false, font }];
}

function lossFigure(runs) {
  const data = [];
  for (const run of runs) {
    const points = lossPoints(run);
    const hover = `${t("table.step")} %{x}<br>${t("table.loss")} %{y:.5g}`;
    data.push(curveTrace(run, points, points.map((p) => p.step), points.map((p) => p.loss_after), hover));
    // A diverged run's curve stops where the loss overflowed; a cross marks the last loss it had.
    const last = run.state.diverged && run.state.stepsFromZero().findLast((p) => p.loss_after !== null);
    if (last) data.push(endTrace(run, last.step, last.loss_after, `${run.name}<br>%{text}`));
  }
  const layout = layoutFor(runs, t("chart.step_axis"), t("compare.loss_axis"));
  layout.yaxis.type = "log";
  const range = clippedLossRange(runs);
  if (range) {
    layout.yaxis.range = range;
    const diverged = runs.filter((run) => run.state.diverged);
    layout.annotations = diverged.flatMap((run) => leavesTheChart(run, 10 ** range[1]));
    layout.margin.t = 28; // Room for those notes above the plot.
  }
  return { data, layout };
}

/** A star for each set of points: white when every run shares it, else in its first run's colour. */
function answerTraces(runs) {
  const groups = dataGroups(runs);
  return groups.map((group) => {
    const { answer } = group[0].state.run;
    const shared = groups.length === 1;
    const names = group.map((run) => run.name).join(", ");
    const name = shared ? t("compare.shared_answer") : t("compare.run_answer", { runs: names });
    const color = shared ? "#ffffff" : runStyle(group[0].slot).color;
    return {
      name,
      meta: { runs: group.map((run) => run.id), role: "answer" },
      type: "scatter",
      mode: "markers",
      x: [answer.b],
      y: [answer.m],
      marker: { size: 17, symbol: "star", color, line: { color: INK, width: 1.5 } },
      hovertemplate: `${name}<br>b %{x:.5g}<br>m %{y:.5g}<extra></extra>`,
    };
  });
}

/**
 * Around the paths of the runs that did not diverge, if any (a diverged run's path is seen
 * leaving), each as the loss surface frames it; their union.
 */
function pathBounds(runs) {
  const stable = runs.filter((run) => !run.state.diverged);
  const bounds = (stable.length ? stable : runs).map((run) => boundsFor(run.state, pathOf(run.state)));
  const union = (axis) => [
    Math.min(...bounds.map((b) => b[axis][0])),
    Math.max(...bounds.map((b) => b[axis][1])),
  ];
  return { b: union("b"), m: union("m") };
}

function pathFigure(runs) {
  const data = [];
  for (const run of runs) {
    const points = pathPoints(run);
    const hover = `${t("table.step")} %{customdata}<br>b %{x:.5g}<br>m %{y:.5g}`;
    data.push(curveTrace(run, points, points.map((p) => p.b), points.map((p) => p.m), hover));
    const end = points[points.length - 1];
    const text = `${run.name}<br>${t("chart.current", { step: end.step })}<br>b %{x:.5g}<br>m %{y:.5g}`;
    data.push(endTrace(run, end.b, end.m, text));
  }
  const layout = layoutFor(runs, "b", "m");
  if (runs.length) {
    data.push(...answerTraces(runs));
    const bounds = pathBounds(runs);
    layout.xaxis.range = bounds.b;
    layout.yaxis.range = bounds.m;
  }
  return { data, layout };
}

/** Draw both charts for the runs loaded so far. */
export function renderCompareCharts(runs) {
  for (const [id, figure] of [
    [LOSS_CHART, lossFigure],
    [PATH_CHART, pathFigure],
  ]) {
    const { data, layout } = figure(runs);
    drawChart(id, data, layout);
  }
}

const TABLES = {
  loss: (runs) =>
    table(
      ["compare.col_run", "table.step", "table.loss"],
      runs.flatMap((run) => lossPoints(run).map((p) => [run.name, String(p.step), p.loss_after])),
    ),
  path: (runs) =>
    table(
      ["compare.col_run", "table.step", "table.b", "table.m"],
      runs.flatMap((run) => pathPoints(run).map((p) => [run.name, String(p.step), p.b, p.m])),
    ),
};

/** Refill the open data tables (a long run shows the steps its chart draws). */
export function renderCompareTables(runs) {
  for (const details of document.querySelectorAll("details.data-table[open]")) {
    details.querySelector(".table-wrap").replaceChildren(TABLES[details.dataset.table](runs));
  }
}
