// When the loss grows without bound: at which step, why (with this run's numbers and the
// stable learning rate from the Hessian the session computed), and a one-click retry.

import { ApiError, createRun } from "./api.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { specLike } from "./run-spec.js";

// A loss that rose at each of this many steps in a row, to above where it started, is
// diverging; a single rise can be noise or momentum's overshoot.
const RISING_STEPS = 10;
const LOCK_ICON = "/static/img/lock.svg";

/** {kind: "overflow" | "rising", step} once the run diverges; null while it does not. */
export function divergenceOf(state) {
  if (state.diverged) return { kind: "overflow", step: state.divergedAt };
  const history = state.history;
  if (history.length < RISING_STEPS) return null;
  let since = history.length;
  while (since > 0 && history[since - 1].loss_after > history[since - 1].loss_before) since -= 1;
  const rising = history.length - since;
  const start = history[0].loss_before;
  if (rising < RISING_STEPS || !(history[history.length - 1].loss_after > start)) return null;
  return { kind: "rising", step: history[since].step };
}

function why(run) {
  const { config, stability } = run;
  const optimizer = config.optimizer || "gradient_descent";
  const limit = stability.max_stable_learning_rate ?? stability.gradient_descent_limit;
  const values = {
    lambda: formatNumber(stability.hessian_eigenvalues[1]),
    hessian: t(config.loss === "mean_squared_error" ? "divergence.hessian_mse" : "divergence.hessian_l2"),
    limit: formatNumber(limit),
    lr: String(config.learning_rate),
    ratio: formatNumber(config.learning_rate / limit),
    mu: String(config.optimizer_params?.momentum),
    optimizer,
  };
  const key = {
    gradient_descent: "divergence.why_gd",
    momentum: "divergence.why_momentum",
  }[optimizer] || "divergence.why_adaptive";
  const lines = [t(key, values)];
  if (config.batch_size) lines.push(t("divergence.minibatch_note"));
  return lines;
}

function paragraph(text, className) {
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

async function retry(run, button) {
  button.disabled = true;
  try {
    const spec = specLike(run, { learning_rate: run.stability.suggested_learning_rate, based_on: run.id });
    window.location.assign((await createRun(spec)).url);
  } catch (error) {
    button.disabled = false;
    button.after(paragraph(error instanceof ApiError ? error.message : String(error), "error"));
  }
}

let shown = null; // The divergence on screen, so a streaming run redraws it only on change.

/** Show or hide the explanation in #divergence for the run as it stands now. */
export function renderDivergence(state) {
  const box = document.getElementById("divergence");
  const found = divergenceOf(state);
  const key = found && `${found.kind}:${found.step}:${state.run.id}`;
  if (key === shown) return;
  shown = key;
  box.hidden = !found;
  if (!found) {
    box.replaceChildren();
    return;
  }
  const heading = document.createElement("h2");
  heading.textContent = t("divergence.title");
  box.replaceChildren(
    heading,
    paragraph(t(`divergence.${found.kind}`, { step: found.step })),
    ...why(state.run).map((line) => paragraph(line)),
    ...retryOffer(state.run),
  );
}

/** A retry at a stable rate, or, when the assignment locks the rate, why there is none. */
function retryOffer(run) {
  if ((run.config.locks || []).includes("learning_rate")) {
    const note = paragraph(t("lock.retry_locked"), "explain lock-explain");
    const icon = Object.assign(document.createElement("img"), { className: "lock-icon", src: LOCK_ICON, alt: "" });
    note.prepend(icon, " ");
    return [note];
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button primary";
  button.id = "retry-button";
  button.textContent = t("divergence.retry", { lr: String(run.stability.suggested_learning_rate) });
  button.addEventListener("click", () => retry(run, button));
  return [button, paragraph(t("divergence.retry_explain"), "explain")];
}
