// The explanation in #divergence once the loss grows without bound: at which step, why, and a
// one-click retry at a stable learning rate.

import { ApiError, createRun } from "../api/client.js";
import { $, element } from "../lib/dom.js";
import { keepEmbedding } from "../lib/embedding.js";
import { t } from "../lib/i18n.js";
import { divergenceOf, divergenceReasons } from "../model/divergence.js";
import { specAtPeakRate } from "../model/run-spec.js";

// Beside this module under the static files' versioned address (app/api/static_assets.py).
const LOCK_ICON = new URL("../../img/lock.svg", import.meta.url).href;

const paragraph = (text, className) => element("p", className ? { class: className } : {}, text);

/** The retry's settings: the run's, its largest rate (a schedule's too) the suggested one. */
const retrySpec = (run) => specAtPeakRate(run, run.stability.suggested_learning_rate, { based_on: run.id });

async function retry(run, button) {
  button.disabled = true;
  try {
    const spec = retrySpec(run);
    window.location.assign(keepEmbedding((await createRun(spec)).url));
  } catch (error) {
    button.disabled = false;
    button.after(paragraph(error instanceof ApiError ? error.message : String(error), "error"));
  }
}

/** A retry at a stable rate, or, when the assignment locks the rate, why there is none. */
function retryOffer(run) {
  if (run.config.locks.includes("learning_rate")) {
    const note = paragraph(t("lock.retry_locked"), "explain lock-explain");
    const icon = Object.assign(document.createElement("img"), { className: "lock-icon", src: LOCK_ICON, alt: "" });
    note.prepend(icon, " ");
    return [note];
  }
  const label = t("divergence.retry", { lr: String(retrySpec(run).learning_rate) });
  const button = element("button", { type: "button", class: "button primary", id: "retry-button" }, label);
  button.addEventListener("click", () => retry(run, button));
  // Half gradient descent's limit solves its steepest direction in one step; other optimizers
  // and schedules are only said to stay under the limit.
  const plain = run.config.optimizer === "gradient_descent" && !run.config.learning_rate_schedule;
  return [button, paragraph(t(plain ? "divergence.retry_explain" : "divergence.retry_explain_other"), "explain")];
}

/**
 * Show or hide the explanation for the run as it stands now. `page.shownDivergence` keeps what
 * is on screen, so a streaming run redraws it only when it changes.
 */
export function renderDivergence(state, page) {
  const box = $("divergence");
  const found = divergenceOf(state);
  const key = found && `${found.kind}:${found.step}:${state.run.id}`;
  if (key === page.shownDivergence) return;
  page.shownDivergence = key;
  box.hidden = !found;
  if (!found) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    element("h2", {}, t("divergence.title")),
    paragraph(t(`divergence.${found.kind}`, { step: found.step })),
    ...divergenceReasons(state.run).map((line) => paragraph(line)),
    ...retryOffer(state.run),
  );
}
