// When the loss grows without bound: at which step, and why, with this run's numbers and the
// stable learning rate from the Hessian the session computed.

import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";

// A loss that rose at each of this many steps in a row, to above where it started, is
// diverging; a single rise can be noise or momentum's overshoot.
const RISING_STEPS = 10;

/** {kind: "overflow" | "rising", step} once the run in `state` diverges; null while it does not. */
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

/** Why `run` diverges, a paragraph each: its optimizer's reason, and a mini-batch's note. */
export function divergenceReasons(run) {
  const { config, stability } = run;
  const optimizer = config.optimizer;
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
  const fixedRateKey = {
    gradient_descent: "divergence.why_gd",
    momentum: "divergence.why_momentum",
  }[optimizer];
  // Under a schedule the run's first rate is not the one its diverging steps took.
  const scheduled = Boolean(config.learning_rate_schedule);
  const key = fixedRateKey ? `${fixedRateKey}${scheduled ? "_scheduled" : ""}` : "divergence.why_adaptive";
  const lines = [t(key, values)];
  if (config.batch_size) lines.push(t("divergence.minibatch_note"));
  return lines;
}
