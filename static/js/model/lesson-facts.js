// The numbers each lesson stop quotes, from the run's own records, step details and graph:
// nothing here computes what TensorFlow did, it only says what TensorFlow's numbers show.

import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { gradientDescentLimit } from "./stable-rate.js";

/** How far the guess slider reaches on either side of m: room for a big first step. */
const GUESS_REACH = 2;

/** Guesses are made in hundredths: a slider's positions, and a value typed lands on one. */
const GUESS_STEP = 0.01;

/** The slider's range for guessing m after the step from weights `w`, on whole hundredths. */
export function guessRange(w) {
  const hundredths = (value, round) => round(value / GUESS_STEP) * GUESS_STEP;
  return {
    min: Number(hundredths(w.m - GUESS_REACH, Math.floor).toFixed(2)),
    max: Number(hundredths(w.m + GUESS_REACH, Math.ceil).toFixed(2)),
    step: GUESS_STEP,
  };
}

/**
 * What TensorFlow did to m in `record` (a step record), next to `guess`, with the update written
 * out: gradient descent's own rule with the step's learning rate, or for another optimizer the
 * move it made from the gradient. `run` is the run (its config names the optimizer); under a
 * schedule, `stepRate` is the rate TensorFlow gave the step (its detail's), and until it is
 * known the move is written as for another optimizer, never with the run's first rate.
 */
export function predictionOutcome(run, record, guess, stepRate = undefined) {
  const m0 = record.weights_before.m;
  const m1 = record.weights_after.m;
  const g = record.gradient.m;
  const compare = t("lesson.predict.compare", {
    guess: formatNumber(guess),
    m: formatNumber(m1),
    step: record.step,
    off: formatNumber(Math.abs(m1 - guess)),
  });
  const config = run.config;
  const lr = config.learning_rate_schedule ? stepRate : config.learning_rate;
  const rule =
    config.optimizer === "gradient_descent" && Number.isFinite(lr)
      ? t("lesson.predict.rule_gd", {
          m0: formatNumber(m0),
          lr: formatNumber(lr),
          g: formatNumber(g),
          m1: formatNumber(m1),
        })
      : t("lesson.predict.rule_other", {
          m0: formatNumber(m0),
          dm: formatNumber(m1 - m0),
          m1: formatNumber(m1),
          g: formatNumber(g),
          optimizer: config.optimizer_class,
        });
  return { compare, rule };
}

/**
 * The points' shares of ∂L/∂m in a step's detail (GET /steps/{k}), their sum, and TensorFlow's
 * gradient: the sum is taken here only to show the learner the addition, with the session's
 * own shares.
 */
export function sharesSum(detail) {
  const shares = detail.points.map((point) => point.contribution_m);
  // An overflowed step has no finite shares to add, as the step panel says too.
  if (!shares.length || ![...shares, detail.gradient.m].every(Number.isFinite)) return t("detail.overflow");
  const sum = shares.reduce((total, share) => total + share, 0);
  return t("lesson.shares.sum", {
    step: detail.step,
    terms: shares.map((share) => formatNumber(share)).join(" + "),
    sum: formatNumber(sum),
    gradient: formatNumber(detail.gradient.m),
  });
}

/** What the steps from `fromStep` to `to` did to the loss and to m ("" before any). */
export function runProgress(state, fromStep, to) {
  if (to <= fromStep) return "";
  const line = state.lineAt(to);
  return t("lesson.run.result", {
    s0: fromStep,
    l0: formatNumber(state.lossAt(fromStep)),
    s1: to,
    l1: formatNumber(state.lossAt(to)),
    m0: formatNumber(state.weightsAt(fromStep)?.m ?? null),
    m1: formatNumber(line.weights.m),
  });
}

/** How many of the graph's own ops (not Stepwise's, not initialisation) each call runs. */
export function opCounts(nodes) {
  const ops = nodes.filter((node) => node.origin !== "stepwise" && !node.initializer_only);
  return {
    step: ops.filter((node) => node.in_step).length,
    evaluate: ops.filter((node) => node.in_evaluate).length,
  };
}

/** A learning rate clearly over gradient descent's limit, in two significant digits. */
export function rateOverLimit(limit) {
  return Number((limit * 1.5).toPrecision(2));
}

/**
 * What the "too big a step" stop says about `state`'s run: the limit 2/λ_max on its points and
 * where its own learning rate stands; `tryRate` is the rate to try (null when the run already
 * shows the blow-up, or when nothing is too big).
 */
export function tooBigFacts(state) {
  const { run } = state;
  const config = run.config;
  const limit = gradientDescentLimit(run);
  if (!(limit > 0) || !Number.isFinite(limit)) return { text: t("lesson.too_big.no_limit"), tryRate: null };
  const lambdaMax = 2 / limit;
  const numbers = { lambda_max: formatNumber(lambdaMax), limit: formatNumber(limit), lr: config.learning_rate };
  if (state.diverged) return { text: t("lesson.too_big.diverged", { step: state.divergedAt }), tryRate: null };
  // The limit describes plain gradient descent on every point; other runs try that on their points.
  if (config.optimizer !== "gradient_descent") {
    const text = t("lesson.too_big.limit_other", { ...numbers, optimizer: config.optimizer_class });
    return { text, tryRate: rateOverLimit(limit) };
  }
  if (config.batch_size !== null) {
    return { text: t("lesson.too_big.limit_minibatch", numbers), tryRate: rateOverLimit(limit) };
  }
  if (config.learning_rate_schedule) {
    return { text: t("lesson.too_big.limit_scheduled", numbers), tryRate: rateOverLimit(limit) };
  }
  const limitText = t("lesson.too_big.limit", numbers);
  if (config.learning_rate > limit) {
    const factor = formatNumber(Math.abs(1 - config.learning_rate * lambdaMax));
    return { text: `${limitText} ${t("lesson.too_big.over", { lr: config.learning_rate, factor })}`, tryRate: null };
  }
  return { text: limitText, tryRate: rateOverLimit(limit) };
}
