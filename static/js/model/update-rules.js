// Each optimizer's update, written out for one weight (b or m) with the session's numbers.
// A line is a target (`b`, `m_b`, …), its formula (a list of symbols and values) and the value
// TensorFlow stored; values come from the step detail's variables before and after the step.

import { float32Text } from "../lib/format.js";

/**
 * A value in a formula. `part` names it for tests and screen readers; `after` marks the
 * variable's new value, which the formula uses once it is computed (Momentum's a, Adam's m).
 */
const value = (part, number) => ({ part, number });

const COMPONENT = { b: 0, m: 1 };

/** Read role `role` for weight `weight` from a detail's variables (a scalar for Adam's powers). */
function pick(variables, role, weight) {
  if (!variables || !(role in variables)) return null;
  const values = variables[role];
  return values.length === 1 ? values[0] : values[COMPONENT[weight]];
}

/**
 * What the rules need for one step of a run with `config`: the record's weights for gradient
 * descent at a constant rate, the session's slots and rate (from the step detail) otherwise. Null while the detail
 * is on its way, or when it has none (the step overflowed).
 */
export function ruleInput(config, record, detail) {
  const optimizer = config.optimizer;
  // A scheduled rate is the session's for this step, which the detail brings.
  const scheduled = Boolean(config.learning_rate_schedule);
  const lr = detail ? detail.learning_rate : config.learning_rate;
  const input = { optimizer, params: config.optimizer_params, lr };
  if (record && optimizer === "gradient_descent" && !scheduled) {
    const { weights_before: before, weights_after: after, gradient } = record;
    return { ...input, gradient, before: { weights: [before.b, before.m] }, after: { weights: [after.b, after.m] } };
  }
  if (!detail || !detail.gradient || !detail.variables_before) return null;
  return { ...input, gradient: detail.gradient, before: detail.variables_before, after: detail.variables_after };
}

/**
 * The lines of the update of `weight` for the run's optimizer.
 * `input` = { optimizer, params, lr, gradient, before, after } where before/after are the
 * detail's variables by role (after may be null: not applied yet).
 */
export function ruleLines(weight, input) {
  const { optimizer, params, lr, gradient, before, after } = input;
  const was = (role) => pick(before, role, weight);
  const now = (role) => (after ? pick(after, role, weight) : undefined);
  const g = value("gradient", gradient);
  const rate = { part: "lr", text: float32Text(lr) };
  const w = value("before", was("weights"));
  const slot = (role) => `${role}_${weight}`;
  const line = (target, terms, role, part = role) => ({ target, terms, result: value(part, now(role)) });
  const weightLine = (terms) => line(weight, terms, "weights", "after");

  switch (optimizer) {
    case "momentum": {
      const mu = value("momentum", params.momentum);
      const a = value("slot", now("momentum"));
      return [
        line(slot("a"), [mu, " × ", value("slot-before", was("momentum")), " + ", g], "momentum", "slot-after"),
        params.use_nesterov
          ? weightLine([w, " − ", rate, " × (", g, " + ", mu, " × ", a, ")"])
          : weightLine([w, " − ", rate, " × ", a]),
      ];
    }
    case "adagrad":
      return [
        line(slot("acc"), [value("slot-before", was("accumulator")), " + ", g, "²"], "accumulator", "slot-after"),
        weightLine([w, " − ", rate, " × ", g, " / √", value("slot", now("accumulator"))]),
      ];
    case "rmsprop": {
      const rho = value("decay", params.decay);
      const lines = [
        line(slot("ms"), [rho, " × ", value("slot-before", was("rms")), " + (1 − ", rho, ") × ", g, "²"], "rms", "slot-after"),
      ];
      let root = [value("slot", now("rms")), " + ", value("epsilon", params.epsilon)];
      if (params.centered) {
        lines.push(line(slot("mg"), [rho, " × ", value("slot-before", was("mg")), " + (1 − ", rho, ") × ", g], "mg", "slot-after"));
        root = [value("slot", now("rms")), " − ", value("slot", now("mg")), "² + ", value("epsilon", params.epsilon)];
      }
      lines.push(
        line(slot("mom"), [value("momentum", params.momentum), " × ", value("slot-before", was("momentum")), " + ", rate, " × ", g, " / √(", ...root, ")"], "momentum", "slot-after"),
        weightLine([w, " − ", value("slot", now("momentum"))]),
      );
      return lines;
    }
    case "adam": {
      const b1 = value("beta1", params.beta1);
      const b2 = value("beta2", params.beta2);
      const corrected = adamCorrectedRate(lr, before);
      return [
        line(slot("m"), [b1, " × ", value("slot-before", was("m")), " + (1 − ", b1, ") × ", g], "m", "slot-after"),
        line(slot("v"), [b2, " × ", value("slot-before", was("v")), " + (1 − ", b2, ") × ", g, "²"], "v", "slot-after"),
        weightLine([w, " − ", value("lr_t", corrected), " × ", value("slot", now("m")), " / (√", value("slot", now("v")), " + ", value("epsilon", params.epsilon), ")"]),
      ];
    }
    default: // gradient_descent: the sample's w ← w − lr × g.
      return [weightLine([w, " − ", rate, " × ", g])];
  }
}

/**
 * Adam's corrected rate, computed inside the kernel rather than kept in a variable: shown
 * from the session's β powers (β1ᵗ and β2ᵗ of this step t).
 */
function adamCorrectedRate(lr, before) {
  return (lr * Math.sqrt(1 - before.beta2_power[0])) / (1 - before.beta1_power[0]);
}

/**
 * Lines that concern both weights at once, shown before and after the per-weight ones:
 * Adam's corrected rate first, and its powers of β, which move once per step, last.
 */
export function sharedLines(input) {
  if (input.optimizer !== "adam") return { first: [], last: [] };
  const { lr, params, before, after } = input;
  const power = (name) => value(`${name}_power`, before[`${name}_power`][0]);
  const rate = { part: "lr", text: float32Text(lr) };
  return {
    first: [
      {
        target: "lr_t",
        terms: [rate, " × √(1 − ", power("beta2"), ") / (1 − ", power("beta1"), ")"],
        result: value("lr_t", adamCorrectedRate(lr, before)),
      },
    ],
    last: ["beta1", "beta2"].map((name) => ({
      target: `${name}_power`,
      terms: [power(name), " × ", value(name, params[name])],
      result: value("slot-after", after ? after[`${name}_power`][0] : undefined),
    })),
  };
}
