// The teacher's live view of an assignment (/class/assignments/{id}): every 1.5 s it asks for the
// assignment's runs (only the curves that changed come along), and redraws the loss curves
// overlaid, and the tables of the students' runs and of the teacher's own, without a reload.
// A table's rows are kept and updated in place, so a focused link or button stays focused.

import { ApiError, getAssignmentSummary } from "../api/client.js";
import { baseLayout, centredNote, drawChart, loadPlotly } from "../charts/plotly.js";
import { $, element } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t, useMessages } from "../lib/i18n.js";
import {
  agoMessage,
  chartSignature,
  colourSlot,
  curvePoints,
  mergeSummary,
  runLabel,
  secondsBetween,
  splitRuns,
} from "../model/class-curves.js";

const REFRESH_MS = 1500; // Within the 2 s a teacher expects, at one small answer a refresh.
const CHART = "live-chart";
const COLOURS = 8; // The stylesheet's --run-1 … --run-8 (Okabe–Ito), in turn.
const DIVERGED_COLOUR = "#D55E00";
const TEACHER_COLOUR = "#1d2733";
const PROJECTOR_FONT = 22; // The chart's type in the projector view, as the page's grows.

/** Text for Plotly, which reads a few HTML tags in names: a student's name stays text. */
const plotlyText = (text) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const colourOf = (run) =>
  getComputedStyle(document.documentElement)
    .getPropertyValue(`--run-${colourSlot(run.id, COLOURS) + 1}`)
    .trim();

function trace(run) {
  const { x, y } = curvePoints(run);
  const colour = run.teacher ? TEACHER_COLOUR : run.diverged ? DIVERGED_COLOUR : colourOf(run);
  return {
    type: "scatter",
    mode: x.length > 1 ? "lines" : "markers",
    name: plotlyText(runLabel(run)),
    meta: { run: run.id },
    x,
    y,
    line: { color: colour, width: run.teacher ? 3 : 2, dash: run.diverged ? "dot" : "solid" },
    marker: { color: colour, size: 6 },
    opacity: run.teacher ? 1 : 0.85,
    hovertemplate: `%{fullData.name} · lr ${run.learning_rate}<br>${plotlyText(t("live.hover_step"))} %{x}: %{y:.4g}<extra></extra>`,
  };
}

function drawCurves(runs) {
  const layout = baseLayout(t("live.axis_step"), t("live.axis_loss"), "live");
  layout.yaxis.type = "log";
  if (document.body.classList.contains("projector")) layout.font.size = PROJECTOR_FONT;
  layout.showlegend = false; // Up to hundreds of runs: the table names them, hover names each.
  if (!runs.length) layout.annotations = [centredNote(t("live.no_runs_chart"))];
  drawChart(CHART, runs.map(trace), layout);
}

function divergedText(run) {
  return run.diverged ? t("live.diverged_at", { step: run.steps, lr: run.learning_rate }) : "–";
}

function actionsCell(run) {
  const open = element("a", { href: run.url, target: "_blank", rel: "noopener", "data-open": "" }, t("live.open"));
  if (run.teacher) return element("td", { class: "live-actions" }, open);
  // The teacher's own copy at the run's last step, opened in a new tab to show the class.
  const step = element("input", { type: "hidden", name: "step", value: String(run.fork_step) });
  const fork = element(
    "form",
    { method: "post", action: `/class/runs/${encodeURIComponent(run.id)}/fork`, target: "_blank" },
    step,
    element("button", { type: "submit", class: "button small" }, t("live.fork")),
  );
  return element("td", { class: "live-actions" }, open, " ", fork);
}

function newRow(run) {
  const who = element("a", { href: run.url, target: "_blank", rel: "noopener", "data-who": "" });
  const row = element("tr", { "data-run": run.id }, element("th", { scope: "row" }, who));
  for (const name of ["settings", "steps", "loss", "diverged", "active"]) row.append(element("td", { "data-cell": name }));
  row.append(actionsCell(run));
  return row;
}

/** Write `run`'s figures into its row (text only: names are never HTML). */
function fillRow(row, run, now) {
  row.querySelector("[data-who]").textContent = runLabel(run);
  row.querySelector("[data-who]").title = run.id;
  const cells = Object.fromEntries([...row.querySelectorAll("[data-cell]")].map((cell) => [cell.dataset.cell, cell]));
  const rate = `lr ${run.learning_rate}${run.schedule ? ` (${run.schedule})` : ""}`;
  cells.settings.textContent = `${run.optimizer.replace(/Optimizer$/, "")} · ${rate}`;
  cells.steps.textContent = String(run.steps);
  cells.loss.textContent = run.steps ? formatNumber(run.latest_loss) : "–";
  cells.diverged.textContent = divergedText(run);
  row.classList.toggle("diverged", run.diverged);
  const [key, params] = agoMessage(secondsBetween(run.last_activity, now));
  cells.active.textContent = t(key, params);
  const step = row.querySelector('input[name="step"]');
  if (step) step.value = String(run.fork_step);
}

/** Bring the table's rows to `runs`, in order, moving none that stays where it is. */
function renderTable(tableId, runs, now) {
  const body = $(tableId).tBodies[0];
  const rows = new Map([...body.rows].map((row) => [row.dataset.run, row]));
  const wanted = new Set(runs.map((run) => run.id));
  for (const [id, row] of rows) if (!wanted.has(id)) row.remove();
  let previous = null;
  for (const run of runs) {
    const row = rows.get(run.id) ?? newRow(run);
    fillRow(row, run, now);
    const expected = previous ? previous.nextElementSibling : body.firstElementChild;
    if (row !== expected) body.insertBefore(row, expected);
    previous = row;
  }
}

/** The view and its refreshes; `assignmentId` is the assignment shown. */
class LiveView {
  constructor(assignmentId) {
    this.assignmentId = assignmentId;
    this.curves = new Map();
    this.since = null;
    this.chartDrawn = null; // The signature of what the chart shows.
    this.count = null;
    this.timer = null;
    this.asking = false;
    this.shown = [];
  }

  async refresh() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.asking) return;
    this.asking = true;
    try {
      // Plotly is fetched beside the first summary, and a failed fetch tried again with the next.
      const [summary] = await Promise.all([getAssignmentSummary(this.assignmentId, this.since), loadPlotly()]);
      this.show(summary);
      this.since = summary.now;
    } catch (error) {
      $("live-state").textContent = t("live.failed", { reason: error.message });
      // Signed out, or the assignment is gone: asking again would not help.
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return;
    } finally {
      this.asking = false;
    }
    this.schedule();
  }

  schedule() {
    if (this.timer === null && !this.asking && !document.hidden) {
      this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
    }
  }

  show(summary) {
    const { runs, curves } = mergeSummary(this.curves, summary);
    this.curves = curves;
    const { students, teacher } = splitRuns(runs);
    renderTable("live-students", students, summary.now);
    renderTable("live-teacher", teacher, summary.now);
    for (const [table, empty, shown] of [
      ["live-students", "live-empty", students],
      ["live-teacher", "live-teacher-empty", teacher],
    ]) {
      $(empty).hidden = shown.length > 0;
      $(table).closest(".table-wrap").hidden = shown.length === 0;
    }
    const diverged = students.filter((run) => run.diverged).length;
    $("live-counts").textContent = t(summary.more ? "live.counts_more" : "live.counts", { runs: students.length, diverged });
    if (this.count !== null && students.length !== this.count) {
      $("live-announce").textContent = t("live.counts", { runs: students.length, diverged });
    }
    this.count = students.length;
    $("live-state").textContent = t("live.updated", { time: new Date(summary.now).toLocaleTimeString() });
    this.shown = [...students, ...teacher];
    const signature = chartSignature(runs);
    if (signature !== this.chartDrawn) this.redraw();
    this.chartDrawn = signature;
    document.body.dataset.liveRuns = String(runs.length);
  }

  redraw() {
    drawCurves(this.shown);
  }
}

function installProjector(view) {
  const toggle = $("projector-toggle");
  toggle.addEventListener("click", () => {
    const on = toggle.getAttribute("aria-pressed") !== "true";
    toggle.setAttribute("aria-pressed", String(on));
    document.body.classList.toggle("projector", on);
    view.redraw(); // In the chart's new size and type.
  });
}

function installCopy() {
  $("live-copy").addEventListener("click", async () => {
    const link = $("live-link");
    try {
      await navigator.clipboard.writeText(link.value);
      $("live-copied").textContent = t("assignment.copied");
    } catch {
      link.select();
      $("live-copied").textContent = t("status.copy_manual");
    }
  });
}

/** Start the view of the assignment `data.id`, in the page's language (`messages`). */
export function init(data, messages) {
  useMessages(messages);
  const view = new LiveView(data.id);
  installProjector(view);
  installCopy();
  // A hidden tab asks nothing: the class's server has better things to do.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && view.timer === null) view.refresh();
  });
  view.refresh().then(() => {
    document.body.dataset.ready = "true";
  });
}
