// The compare page's table of runs (settings and results, one row a run), the key above each
// chart, and the note on whether the runs fit the same points.

import { runStyle } from "../charts/compare-charts.js";
import { $, element, svgElement } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { optimizerClass, optimizerParams, pointsSummary, scheduleCall, shortSettings } from "../model/run-summary.js";

/** A short line in the run's colour and dash, as the charts draw it. */
export function swatch(slot) {
  const { color, dash } = runStyle(slot);
  const svg = svgElement("svg", { class: "run-swatch", viewBox: "0 0 36 12", "aria-hidden": "true" });
  const line = svgElement("line", { x1: 1, y1: 6, x2: 35, y2: 6, stroke: color, "stroke-width": 3 });
  if (dash !== "solid") line.setAttribute("stroke-dasharray", dash.replaceAll("px", ""));
  svg.append(line);
  return svg;
}

function cell(labelKey, content) {
  return element("td", { "data-label": t(labelKey) }, content);
}

function nameCell(entry) {
  const link = element("a", { href: `/runs/${encodeURIComponent(entry.id)}` }, entry.name);
  return element("th", { scope: "row" }, swatch(entry.slot), entry.state ? link : entry.name);
}

function optimizerCell(config, classes) {
  // One block beside its label on narrow screens.
  const wrap = element("div", {}, element("code", {}, optimizerClass(config, classes)));
  const params = optimizerParams(config);
  if (params) wrap.append(element("span", { class: "optimizer-params" }, params));
  return cell("compare.col_optimizer", wrap);
}

/** The rate, and under it the schedule that decays it, as the code calls it. */
function rateCell(config) {
  const wrap = element("div", {}, String(config.learning_rate));
  const schedule = config.learning_rate_schedule;
  if (schedule) wrap.append(element("span", { class: "optimizer-params" }, scheduleCall(schedule)));
  return cell("compare.col_learning_rate", wrap);
}

function runCells(state, classes) {
  const config = state.run.config;
  const finalLoss = state.lossAt(state.lastStep);
  return [
    optimizerCell(config, classes),
    rateCell(config),
    cell("compare.col_loss", element("code", {}, config.loss)),
    cell("compare.col_batch", config.batch_size ? String(config.batch_size) : t("compare.full_batch")),
    cell("compare.col_points", pointsSummary(config)),
    cell("compare.col_steps", String(state.lastStep)),
    cell("compare.col_final_loss", finalLoss === null ? t("readout.overflow") : formatNumber(finalLoss)),
    cell(
      "compare.col_diverged",
      state.diverged ? t("compare.diverged_at", { step: state.divergedAt }) : t("compare.not_diverged"),
    ),
  ];
}

const messageCell = (text, kind) => element("td", { class: `compare-message ${kind}`, colspan: "8" }, text);

/**
 * One row a run: its settings and results, or why it could not be loaded; each removable with
 * `onRemove(id)`. `classes` names each optimizer's class.
 */
export function renderLegend(entries, classes, onRemove) {
  const rows = entries.map((entry) => {
    const failed = entry.error && t("compare.load_failed", { id: entry.id, reason: entry.error });
    let cells = [messageCell(t("compare.loading"), "loading")];
    if (entry.state) cells = runCells(entry.state, classes);
    else if (failed) cells = [messageCell(failed, "error")];
    const remove = element(
      "button",
      { class: "button small", type: "button", "aria-label": t("compare.remove_run", { run: entry.name }) },
      t("compare.remove"),
    );
    remove.addEventListener("click", () => onRemove(entry.id));
    return element("tr", { "data-run": entry.id }, nameCell(entry), ...cells, element("td", {}, remove));
  });
  $("compare-legend").tBodies[0].replaceChildren(...rows);
}

/** The key above each chart: swatch, run and its main settings. */
export function renderKeys(runs, classes) {
  for (const key of document.querySelectorAll(".compare-key")) {
    key.replaceChildren(
      ...runs.map((run) =>
        element("li", {}, swatch(run.slot), ` ${run.name} · ${shortSettings(run.state.run.config, classes)}`),
      ),
    );
  }
}

/** Under the table: whether the runs fit the same points, which decides what the path chart can show. */
export function renderDataNote(runs, same) {
  let text = "";
  if (runs.length >= 2) text = same ? t("compare.same_data") : t("compare.different_data");
  $("compare-data-note").textContent = text;
}
