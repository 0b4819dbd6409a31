// A data table behind each chart, for screen readers and for reading exact values.
// A table is filled only while its <details> is open: long histories cost nothing otherwise.

import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";

/** A table of `rows` under the messages `headings`; numbers (null: overflowed) are formatted. */
export function table(headings, rows) {
  const node = document.createElement("table");
  node.className = "numbers";
  const head = node.createTHead().insertRow();
  for (const key of headings) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = t(key);
    head.append(cell);
  }
  const body = node.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const value of row) line.insertCell().textContent = typeof value === "number" || value === null ? formatNumber(value) : value;
  }
  return node;
}

/** A table of steps; a thinned history says which steps it leaves out and where they all are. */
function stepTable(state, headings, row) {
  const node = table(headings, state.stepsFromZero().map(row));
  if (state.thinned) node.createCaption().textContent = t("table.thinned", { shown: state.history.length, steps: state.lastStep });
  return node;
}

const TABLES = {
  fit: (state, predictions) =>
    table(
      ["table.x", "table.y", "table.yhat"],
      state.run.points.x.map((x, i) => [x, state.run.points.y[i], predictions ? predictions[i] : null]),
    ),
  loss: (state) => stepTable(state, ["table.step", "table.loss"], (r) => [String(r.step), r.loss_after]),
  slope: (state) => stepTable(state, ["table.step", "table.b", "table.m"], (r) => [String(r.step), r.weights_after.b, r.weights_after.m]),
  surface: (state) =>
    stepTable(state, ["table.step", "table.b", "table.m", "table.loss"], (r) => [String(r.step), r.weights_after.b, r.weights_after.m, r.loss_after]),
};

/** What a table's rows are made from: a step table's, the history (whatever step is shown);
 * the fit table's, the points and the predictions at the step shown. */
const sourceOf = (kind, state, predictions) =>
  kind === "fit" ? [state.run, predictions] : [state, state.history, state.history.length];

const sameSource = (a, b) => a !== undefined && a.every((value, i) => value === b[i]);

/** The page's data tables: each open one refilled only when what it shows changed. */
export class DataTables {
  constructor() {
    // Open table → the source it was last filled from. Moving through a 10,000-step history
    // with the loss table open then rebuilds nothing: the rows are the same at every step.
    this.filledFrom = new WeakMap();
  }

  /** Refill the open tables whose rows changed; `predictions` are yhat at the step shown. */
  render(state, predictions) {
    for (const details of document.querySelectorAll("details.data-table[open]")) {
      const kind = details.dataset.table;
      const source = sourceOf(kind, state, predictions);
      if (sameSource(this.filledFrom.get(details), source)) continue;
      this.filledFrom.set(details, source);
      details.querySelector(".table-wrap").replaceChildren(TABLES[kind](state, predictions));
    }
  }
}
