import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { linePieces } from "../../static/js/model/update-rule-text.js";
import { ruleInput, ruleLines, sharedLines } from "../../static/js/model/update-rules.js";
import { record } from "./fixtures.mjs";

/** A line as the step panel shows it: `target ← formula = result` (… while it is pending). */
function text(line) {
  const { terms, result } = linePieces(line);
  const shown = (piece) => (typeof piece === "string" ? piece : piece.text);
  return `${line.target} ← ${terms.map(shown).join("")} = ${result ? result.text : "…"}`;
}

/** The parts the panel names for tests and screen readers, in order. */
const parts = (line) => linePieces(line).terms.filter((piece) => typeof piece !== "string").map((piece) => piece.part);

const GD_CONFIG = { optimizer: "gradient_descent", optimizer_params: {}, learning_rate: 0.1 };

describe("the update rule's input", () => {
  test("gradient descent reads the step's record, before any detail arrives", () => {
    const input = ruleInput(GD_CONFIG, record(1), undefined);
    assert.deepEqual(input.before, { weights: [0, 0] });
    assert.deepEqual(input.after, { weights: [0.5, -0.5] });
    assert.deepEqual(input.gradient, { b: -5, m: 5 });
  });

  test("other optimizers wait for the detail's variables, and a step without them has none", () => {
    const adam = { optimizer: "adam", optimizer_params: { beta1: 0.9 }, learning_rate: 0.01 };
    assert.equal(ruleInput(adam, record(1), undefined), null);
    assert.equal(ruleInput(adam, record(1), { gradient: null, variables_before: null }), null);
    const detail = { learning_rate: 0.01, gradient: { b: 1, m: 2 }, variables_before: { m: [0, 0] }, variables_after: null };
    assert.deepEqual(ruleInput(adam, record(1), detail), {
      optimizer: "adam",
      params: { beta1: 0.9 },
      lr: 0.01,
      gradient: { b: 1, m: 2 },
      before: { m: [0, 0] },
      after: null,
    });
  });

  test("a scheduled rate is the session's for the step, so gradient descent waits for the detail", () => {
    const scheduled = { ...GD_CONFIG, learning_rate_schedule: { name: "cosine_decay", params: { decay_steps: 9, alpha: 0 } } };
    assert.equal(ruleInput(scheduled, record(1), undefined), null);
    const detail = { learning_rate: 0.0875, gradient: { b: -5, m: 5 }, variables_before: { weights: [0, 0] }, variables_after: null };
    assert.equal(ruleInput(scheduled, record(1), detail).lr, 0.0875);
  });

});

describe("the update rules", () => {
  test("gradient descent: w ← w − lr × g, a negative gradient in parentheses", () => {
    const input = { ...ruleInput(GD_CONFIG, record(1), undefined) };
    const [b] = ruleLines("b", { ...input, gradient: input.gradient.b });
    const [m] = ruleLines("m", { ...input, gradient: input.gradient.m });
    assert.equal(text(b), "b ← 0 − 0.1 × (-5) = 0.5");
    assert.equal(text(m), "m ← 0 − 0.1 × 5 = -0.5");
    assert.deepEqual(parts(b), ["before", "lr", "gradient"]);
    assert.equal(linePieces(b).result.part, "after");
  });

  test("a negative number that starts the formula needs no parentheses", () => {
    const line = ruleLines("b", { optimizer: "gradient_descent", lr: 0.1, gradient: 2, before: { weights: [-1, 0] }, after: null })[0];
    assert.equal(text(line), "b ← -1 − 0.1 × 2 = …");
  });

  test("momentum keeps its accumulator first; Nesterov looks ahead along it", () => {
    const input = {
      optimizer: "momentum",
      params: { momentum: 0.9, use_nesterov: false },
      lr: 0.1,
      gradient: 2,
      before: { weights: [1, 5], momentum: [0.5, 0] },
      after: { weights: [0.755, 5], momentum: [2.45, 0] },
    };
    assert.deepEqual(ruleLines("b", input).map(text), ["a_b ← 0.9 × 0.5 + 2 = 2.45", "b ← 1 − 0.1 × 2.45 = 0.755"]);
    const nesterov = ruleLines("b", { ...input, params: { momentum: 0.9, use_nesterov: true } });
    assert.equal(text(nesterov[1]), "b ← 1 − 0.1 × (2 + 0.9 × 2.45) = 0.755");
  });

  test("a formula needing a value the step has not computed yet shows it as ?", () => {
    const input = {
      optimizer: "adagrad",
      params: {},
      lr: 0.1,
      gradient: 3,
      before: { weights: [1, 2], accumulator: [0.1, 0.1] },
      after: null,
    };
    assert.deepEqual(ruleLines("m", input).map(text), ["acc_m ← 0.1 + 3² = …", "m ← 2 − 0.1 × 3 / √? = …"]);
  });

  test("RMSProp adds the mean gradient only when centered", () => {
    const input = {
      optimizer: "rmsprop",
      params: { decay: 0.9, momentum: 0, epsilon: 1e-10, centered: false },
      lr: 0.01,
      gradient: 1,
      before: { weights: [0, 0], rms: [1, 1], momentum: [0, 0], mg: [0, 0] },
      after: { weights: [-0.03, 0], rms: [1, 1], momentum: [0.03, 0], mg: [0.1, 0] },
    };
    assert.deepEqual(ruleLines("b", input).map((line) => line.target), ["ms_b", "mom_b", "b"]);
    const centered = ruleLines("b", { ...input, params: { ...input.params, centered: true } });
    assert.deepEqual(centered.map((line) => line.target), ["ms_b", "mg_b", "mom_b", "b"]);
    assert.equal(text(centered[2]), "mom_b ← 0 × 0 + 0.01 × 1 / √(1 − 0.1² + 1e-10) = 0.03");
  });

  test("Adam's corrected rate comes first, from the step's powers of β, which move last", () => {
    const input = {
      optimizer: "adam",
      params: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      lr: 0.1,
      gradient: 2,
      before: { weights: [0, 0], m: [0, 0], v: [0, 0], beta1_power: [0.9], beta2_power: [0.999] },
      after: null,
    };
    const { first, last } = sharedLines(input);
    assert.deepEqual(first.map(text), ["lr_t ← 0.1 × √(1 − 0.999) / (1 − 0.9) = 0.031623"]);
    assert.deepEqual(last.map(text), ["beta1_power ← 0.9 × 0.9 = …", "beta2_power ← 0.999 × 0.999 = …"]);
    const weight = ruleLines("b", input)[2];
    assert.equal(text(weight), "b ← 0 − 0.031623 × ? / (√? + 1e-8) = …");
    assert.deepEqual(parts(weight), ["before", "lr_t", "slot", "slot", "epsilon"]);
  });

  test("only Adam has lines shared by both weights", () => {
    assert.deepEqual(sharedLines({ optimizer: "momentum" }), { first: [], last: [] });
  });
});
