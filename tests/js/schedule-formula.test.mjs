// The step panel's formula of a scheduled rate, for each of TF1's decay functions.
import assert from "node:assert/strict";
import { test } from "node:test";

import { scheduleFormula } from "../../static/js/model/schedule-formula.js";

const config = (name, params) => ({ learning_rate: 0.05, learning_rate_schedule: { name, params } });

test("each schedule's formula at global step k − 1", () => {
  assert.equal(scheduleFormula({ learning_rate: 0.05, learning_rate_schedule: null }, 3), null);
  assert.equal(scheduleFormula(config("exponential_decay", { decay_steps: 4, decay_rate: 0.5, staircase: true }), 5), "0.05 × 0.5^(⌊4 / 4⌋)");
  assert.equal(scheduleFormula(config("inverse_time_decay", { decay_steps: 3, decay_rate: 0.4, staircase: false }), 2), "0.05 / (1 + 0.4 × 1 / 3)");
  assert.equal(
    scheduleFormula(config("polynomial_decay", { decay_steps: 8, end_learning_rate: 0.001, power: 2 }), 10),
    "(0.05 − 0.001) × (1 − min(9, 8) / 8)^2 + 0.001",
  );
  assert.equal(scheduleFormula(config("cosine_decay", { decay_steps: 9, alpha: 0.2 }), 1), "0.05 × ((1 − 0.2) × (1 + cos(π × min(0, 9) / 9)) / 2 + 0.2)");
});

test("a piecewise rate names its piece, boundaries included in the piece before", () => {
  const pieces = config("piecewise_constant", { boundaries: [3, 6], values: [0.05, 0.02, 0.005] });
  assert.equal(scheduleFormula(pieces, 4), "values[0] (3 ≤ 3)");
  assert.equal(scheduleFormula(pieces, 5), "values[1] (3 < 4 ≤ 6)");
  assert.equal(scheduleFormula(pieces, 8), "values[2] (7 > 6)");
});
