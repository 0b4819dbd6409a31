// What the compare page shows besides the charts: the table of runs, the key above each chart,
// and the picker of runs this browser has opened.

import { runStyle } from "./compare-charts.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** What the server put in the page: {run_ids, max_runs, optimizer_classes}. */
export const pageData = JSON.parse($("compare-data").textContent);

const SVG = "http://www.w3.org/2000/svg";

/** A short line in the run's colour and dash, as the charts draw it. */
function swatch(slot) {
  const { color, dash } = runStyle(slot);
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({ class: "run-swatch", viewBox: "0 0 36 12", "aria-hidden": "true" })) {
    svg.setAttribute(name, value);
  }
  const line = document.createElementNS(SVG, "line");
  for (const [name, value] of Object.entries({ x1: 1, y1: 6, x2: 35, y2: 6, stroke: color, "stroke-width": 3 })) {
    line.setAttribute(name, String(value));
  }
  if (dash !== "solid") line.setAttribute("stroke-dasharray", dash.replaceAll("px", ""));
  svg.append(line);
  return svg;
}

function element(tag, text = "", className = "") {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The tf.compat.v1.train class of a run's optimizer; runs from before the choice used plain GD. */
function optimizerClass(config) {
  const name = config.optimizer ?? "gradient_descent";
  return pageData.optimizer_classes[name] ?? name;
}

/** "Adam · lr 0.006": the settings that tell runs apart at a glance. */
function shortSettings(config) {
  return `${optimizerClass(config).replace(/Optimizer$/, "")} · lr ${config.learning_rate}`;
}

function optimizerParams(config) {
  const written = (value) => (typeof value === "boolean" ? (value ? "True" : "False") : formatNumber(value));
  return Object.entries(config.optimizer_params ?? {})
    .map(([name, value]) => `${name}=${written(value)}`)
    .join(", ");
}

function pointsSummary(config) {
  return config.custom_points
    ? t("facts.points_custom", { n: config.num_points })
    : t("facts.points_recipe", { n: config.num_points, seed: config.seed, noise: config.noise });
}

function cell(labelKey, content) {
  const td = element("td");
  td.dataset.label = t(labelKey);
  td.append(content);
  return td;
}

function nameCell(entry) {
  const th = element("th");
  th.scope = "row";
  const link = element("a", entry.name);
  link.href = `/runs/${encodeURIComponent(entry.id)}`;
  th.append(swatch(entry.slot), entry.state ? link : entry.name);
  return th;
}

function optimizerCell(config) {
  const wrap = element("div"); // One block beside its label on narrow screens.
  wrap.append(element("code", optimizerClass(config)));
  const params = optimizerParams(config);
  if (params) wrap.append(element("span", params, "optimizer-params"));
  return cell("compare.col_optimizer", wrap);
}

function runCells(state) {
  const config = state.run.config;
  const finalLoss = state.lossAt(state.lastStep);
  return [
    optimizerCell(config),
    cell("compare.col_learning_rate", String(config.learning_rate)),
    cell("compare.col_loss", element("code", config.loss ?? "l2_loss")),
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

function messageCell(text, kind) {
  const td = element("td", text, `compare-message ${kind}`);
  td.colSpan = 8;
  return td;
}

/** One row a run: its settings and results, or why it could not be loaded; each removable. */
export function renderLegend(entries, onRemove) {
  const rows = entries.map((entry) => {
    const row = element("tr");
    row.dataset.run = entry.id;
    const failed = entry.error && t("compare.load_failed", { id: entry.id, reason: entry.error });
    let cells = [messageCell(t("compare.loading"), "loading")];
    if (entry.state) cells = runCells(entry.state);
    else if (failed) cells = [messageCell(failed, "error")];
    const remove = element("button", t("compare.remove"), "button small");
    remove.type = "button";
    remove.setAttribute("aria-label", t("compare.remove_run", { run: entry.name }));
    remove.addEventListener("click", () => onRemove(entry.id));
    const removeCell = element("td");
    removeCell.append(remove);
    row.append(nameCell(entry), ...cells, removeCell);
    return row;
  });
  $("compare-legend").tBodies[0].replaceChildren(...rows);
}

/** The key above each chart: swatch, run and its main settings. */
export function renderKeys(runs) {
  for (const key of document.querySelectorAll(".compare-key")) {
    key.replaceChildren(
      ...runs.map((run) => {
        const item = element("li");
        item.append(swatch(run.slot), ` ${run.name} · ${shortSettings(run.state.run.config)}`);
        return item;
      }),
    );
  }
}

/** Under the table: whether the runs fit the same points, which decides what the path chart can show. */
export function renderDataNote(runs, same) {
  let text = "";
  if (runs.length >= 2) text = same ? t("compare.same_data") : t("compare.different_data");
  $("compare-data-note").textContent = text;
}

function recentLabel(run) {
  const date = new Date(run.created_at);
  const when = Number.isNaN(date.getTime())
    ? ""
    : ` · ${date.toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" })}`;
  const points = t("compare.n_points", { n: run.num_points });
  return `${shortSettings(run)} · ${run.loss} · ${points}${when}`;
}

/** A checkbox for each remembered run; `onToggle(id, checked)` adds or removes it. */
export function renderRecent(recent, onToggle) {
  const items = recent.map((run) => {
    const input = element("input");
    input.type = "checkbox";
    input.value = run.id;
    input.addEventListener("change", () => onToggle(run.id, input.checked));
    const label = element("label");
    label.append(input, ` ${recentLabel(run)}`);
    const item = element("li");
    item.append(label);
    return item;
  });
  $("recent-runs").replaceChildren(...items);
  $("recent-empty").hidden = recent.length > 0;
}

/** Tick the runs compared; at the cap, the others cannot be ticked. */
export function updateRecent(ids, full) {
  for (const input of $("recent-runs").querySelectorAll("input")) {
    input.checked = ids.includes(input.value);
    input.disabled = full && !input.checked;
  }
}

/** The picker's own message (what happened to what was pasted), read out by screen readers. */
export function pickerMessage(text, kind = "info") {
  const message = $("add-run-message");
  message.textContent = text;
  message.dataset.kind = kind;
}
