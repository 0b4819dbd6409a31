// The compare page (/compare): the runs in ?runs=, each fetched from the API, overlaid on two
// charts. The picker adds and removes runs and the address follows, so a comparison can be
// shared. init() builds it from the page's data: {run_ids, max_runs, optimizer_classes}.

import { getRun } from "../api/client.js";
import { renderCompareCharts, renderCompareTables } from "../charts/compare-charts.js";
import { loadPlotly } from "../charts/plotly.js";
import { $ } from "../lib/dom.js";
import { t, useMessages } from "../lib/i18n.js";
import { showStatus } from "../lib/status.js";
import { Comparison, comparisonQuery, dataGroups, languageQuery, parseRunId } from "../model/comparison.js";
import { recentRuns } from "../model/recent-runs.js";
import { RunState } from "../model/run-state.js";
import { pickerMessage, renderRecent, updateRecent } from "./recent-picker.js";
import { renderDataNote, renderKeys, renderLegend } from "./runs-table.js";

class ComparePage {
  constructor(pageData) {
    this.comparison = new Comparison(pageData.max_runs);
    this.classes = pageData.optimizer_classes;
  }

  /** The address of this comparison, with the other parameters (such as lang) kept. */
  writeAddress() {
    const query = comparisonQuery(window.location.search, this.comparison.ids);
    window.history.replaceState(null, "", `${window.location.pathname}${query}`);
    // The language links keep the comparison (the header writes them as ?lang=… alone).
    for (const link of document.querySelectorAll(".languages a[hreflang]")) {
      link.search = languageQuery(window.location.search, new URL(link.href).searchParams.get("lang"));
    }
  }

  render() {
    const { comparison, classes } = this;
    comparison.nameEntries();
    const runs = comparison.loaded;
    renderLegend(comparison.entries, classes, (id) => this.removeFromTable(id));
    renderKeys(runs, classes);
    renderDataNote(runs, dataGroups(runs).length === 1);
    renderCompareCharts(runs);
    renderCompareTables(runs);
    updateRecent(comparison.ids, comparison.full);
    showStatus(comparison.statusText());
    // Tests and screenshots wait for this: every run is drawn or has said why it cannot be.
    document.body.dataset.loading = String(comparison.loading);
  }

  async load(entry) {
    try {
      entry.state = new RunState(await getRun(entry.id));
    } catch (error) {
      entry.error = error.status === 404 ? t("compare.not_found") : error.message;
    }
    if (this.comparison.entries.includes(entry)) this.render();
  }

  /** Why run `id` cannot be added, said in the picker; null if it can. */
  refuse(id) {
    const refusal = this.comparison.refusal(id);
    if (refusal === "already") pickerMessage(t("compare.already", { id }));
    if (refusal === "full") pickerMessage(t("compare.full", { max: this.comparison.maxRuns }), "error");
    return refusal;
  }

  /** A run of the opened link: shown at once, or with why it cannot be (it may be gone). */
  add(id) {
    if (!this.refuse(id)) this.load(this.comparison.add(id));
  }

  /**
   * A run picked or pasted: looked for first, and added only if it exists. Resolves to
   * false (with the reason said) when it is already there, the page is full or it is not found.
   */
  async addChecked(id) {
    if (this.refuse(id)) return false;
    pickerMessage(t("compare.checking", { id }));
    document.body.dataset.loading = "true";
    try {
      await this.comparison.check(id, async (runId) => new RunState(await getRun(runId)));
    } catch (error) {
      const reason = error.status === 404 ? t("compare.not_found") : error.message;
      pickerMessage(t("compare.not_added", { id, reason }), "error");
      this.render(); // Unticks a picked run again.
      return false;
    }
    return true;
  }

  changed() {
    this.comparison.changed();
    this.writeAddress();
    this.render();
  }

  remove(id) {
    const entry = this.comparison.remove(id);
    if (!entry) return;
    pickerMessage(t("compare.removed", { run: entry.name }));
    this.changed();
  }

  /** Removed with its row's button: focus goes to the table's heading, not to the page's top. */
  removeFromTable(id) {
    this.remove(id);
    $("compare-runs-title").focus();
  }

  async addPasted(event) {
    event.preventDefault();
    const input = $("add-run-input");
    const id = parseRunId(input.value);
    if (!id) {
      pickerMessage(t("compare.not_a_link"), "error");
      return;
    }
    if (!(await this.addChecked(id))) return;
    if (input.value.trim() !== "" && parseRunId(input.value) === id) input.value = "";
    pickerMessage(t("compare.added", { id }));
    this.changed();
  }

  async toggleRecent(id, checked) {
    if (!checked) this.remove(id);
    else if (await this.addChecked(id)) {
      pickerMessage("");
      this.changed();
    } else this.render(); // Not added: untick it again.
  }

  start(runIds) {
    renderRecent(recentRuns(), this.classes, (id, checked) => this.toggleRecent(id, checked));
    for (const id of this.comparison.open(runIds)) this.add(id);
    this.writeAddress();
    this.render();
    $("add-run-form").addEventListener("submit", (event) => this.addPasted(event));
    for (const table of document.querySelectorAll("details.data-table")) {
      table.addEventListener("toggle", () => renderCompareTables(this.comparison.loaded));
    }
    document.body.dataset.ready = "true";
  }
}

/** Start the page from its data, in the language of `messages`. */
export async function init(pageData, messages) {
  useMessages(messages);
  const page = new ComparePage(pageData);
  try {
    await loadPlotly(); // The page is its charts: they are wanted at once.
  } catch (error) {
    showStatus(error.message, "error");
    return;
  }
  page.start(pageData.run_ids);
}
