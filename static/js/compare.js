// Wires the compare page: the runs in ?runs=, each fetched from the API, overlaid on two charts;
// the picker adds and removes runs and the address follows, so a comparison can be shared.

import { getRun } from "./api.js";
import { dataGroups, renderCompareCharts, renderCompareTables } from "./compare-charts.js";
import {
  pageData,
  pickerMessage,
  renderDataNote,
  renderKeys,
  renderLegend,
  renderRecent,
  updateRecent,
} from "./compare-view.js";
import { t } from "./i18n.js";
import { recentRuns } from "./recent-runs.js";
import { RunState } from "./run-state.js";
import { showStatus } from "./view.js";

const MAX_RUNS = pageData.max_runs;
const RUN_ID = /^[A-Za-z0-9_-]+$/;
const RUN_LINK = /\/runs\/([A-Za-z0-9_-]+)/;

/** The runs compared, in the order added: {id, slot, name, state (once loaded), error}. */
const entries = [];
let leftOut = 0; // Ids of the opened link beyond the cap.

const loaded = () => entries.filter((entry) => entry.state);

function freeSlot() {
  const used = new Set(entries.map((entry) => entry.slot));
  return [...Array(MAX_RUNS).keys()].find((slot) => !used.has(slot));
}

/** The address of this comparison: ?runs=a,b,… with the other parameters (such as lang) kept. */
function writeAddress() {
  const params = new URLSearchParams(window.location.search);
  params.delete("runs");
  const ids = entries.map((entry) => encodeURIComponent(entry.id)).join(",");
  const query = [ids && `runs=${ids}`, params.toString()].filter(Boolean).join("&");
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  // The language links keep the comparison (the header writes them as ?lang=… alone).
  for (const link of document.querySelectorAll(".languages a[hreflang]")) {
    const choice = new URLSearchParams(window.location.search);
    choice.set("lang", new URL(link.href).searchParams.get("lang"));
    link.search = choice.toString().replaceAll("%2C", ",");
  }
}

function statusText() {
  if (leftOut) return t("compare.too_many", { max: MAX_RUNS, n: leftOut });
  if (entries.filter((entry) => !entry.error).length < 2) return t("compare.need_two");
  return "";
}

function render() {
  // Numbered as listed; each keeps its colour while others come and go.
  entries.forEach((entry, i) => {
    entry.name = t("compare.run_n", { n: i + 1 });
  });
  const runs = loaded();
  renderLegend(entries, removeFromTable);
  renderKeys(runs);
  renderDataNote(runs, dataGroups(runs).length === 1);
  renderCompareCharts(runs);
  renderCompareTables(runs);
  updateRecent(
    entries.map((entry) => entry.id),
    entries.length >= MAX_RUNS,
  );
  showStatus(statusText());
  // Tests and screenshots wait for this: every run is drawn or has said why it cannot be.
  document.body.dataset.loading = String(entries.some((entry) => !entry.state && !entry.error));
}

async function load(entry) {
  try {
    entry.state = new RunState(await getRun(entry.id));
  } catch (error) {
    entry.error = error.status === 404 ? t("compare.not_found") : error.message;
  }
  if (entries.includes(entry)) render();
}

/** Add run `id`; false (with the reason said) when it is already there or the page is full. */
function add(id) {
  if (entries.some((entry) => entry.id === id)) {
    pickerMessage(t("compare.already", { id }));
    return false;
  }
  if (entries.length >= MAX_RUNS) {
    pickerMessage(t("compare.full", { max: MAX_RUNS }), "error");
    return false;
  }
  const entry = { id, slot: freeSlot(), name: "", state: null, error: null };
  entries.push(entry);
  load(entry);
  return true;
}

function changed() {
  leftOut = 0;
  writeAddress();
  render();
}

function remove(id) {
  const index = entries.findIndex((entry) => entry.id === id);
  if (index < 0) return;
  const [entry] = entries.splice(index, 1);
  pickerMessage(t("compare.removed", { run: entry.name }));
  changed();
}

/** Removed with its row's button: focus goes to the table's heading, not to the page's top. */
function removeFromTable(id) {
  remove(id);
  document.getElementById("compare-runs-title").focus();
}

/** A run's id from what was pasted: its page's link, its API link, or the id itself. */
function parseRunId(text) {
  const value = text.trim();
  const link = RUN_LINK.exec(value);
  if (link) return link[1];
  return RUN_ID.test(value) ? value : null;
}

function addPasted(event) {
  event.preventDefault();
  const input = document.getElementById("add-run-input");
  const id = parseRunId(input.value);
  if (!id) {
    pickerMessage(t("compare.not_a_link"), "error");
    return;
  }
  if (!add(id)) return;
  input.value = "";
  pickerMessage(t("compare.added", { id }));
  changed();
}

function toggleRecent(id, checked) {
  if (!checked) remove(id);
  else if (add(id)) {
    pickerMessage("");
    changed();
  } else render(); // Not added: untick it again.
}

function start() {
  const requested = pageData.run_ids;
  leftOut = Math.max(0, requested.length - MAX_RUNS);
  renderRecent(recentRuns(), toggleRecent);
  for (const id of requested.slice(0, MAX_RUNS)) add(id);
  writeAddress();
  render();
  document.getElementById("add-run-form").addEventListener("submit", addPasted);
  for (const table of document.querySelectorAll("details.data-table")) {
    table.addEventListener("toggle", () => renderCompareTables(loaded()));
  }
  document.body.dataset.ready = "true";
}

start();
