// The compare page's picker: a checkbox for each run this browser has opened, and the message
// about what was added or removed.

import { $, element } from "../lib/dom.js";
import { t } from "../lib/i18n.js";
import { shortSettings } from "../model/run-summary.js";

function recentLabel(run, classes) {
  const date = new Date(run.created_at);
  const when = Number.isNaN(date.getTime())
    ? ""
    : ` · ${date.toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" })}`;
  const points = t("compare.n_points", { n: run.num_points });
  return `${shortSettings(run, classes)} · ${run.loss} · ${points}${when}`;
}

/**
 * A checkbox for each remembered run (as recentRuns() lists them); `onToggle(id, checked)` adds
 * or removes it. `classes` names each optimizer's class.
 */
export function renderRecent(recent, classes, onToggle) {
  const items = recent.map((run) => {
    const input = element("input", { type: "checkbox", value: run.id });
    input.addEventListener("change", () => onToggle(run.id, input.checked));
    return element("li", {}, element("label", {}, input, ` ${recentLabel(run, classes)}`));
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
