import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import {
  guessRange,
  opCounts,
  predictionOutcome,
  rateOverLimit,
  runProgress,
  sharesSum,
  tooBigFacts,
} from "../../static/js/model/lesson-facts.js";
import { lessonCookie, lessonLink, stopNumber, withoutLessonParam } from "../../static/js/model/lesson-progress.js";
import { RunState } from "../../static/js/model/run-state.js";
import { record, run } from "./fixtures.mjs";

// Messages that show every parameter, so that a test reads what each stop would say.
const MESSAGES = {
  "lesson.predict.compare": "guess {guess} tf {m} step {step} off {off}",
  "lesson.predict.rule_gd": "{m0} - {lr} x ({g}) = {m1}",
  "lesson.predict.rule_other": "{m0} + ({dm}) = {m1} by {optimizer} from {g}",
  "lesson.shares.sum": "step {step}: {terms} = {sum}; tf {gradient}",
  "lesson.run.result": "{s0}:{l0} -> {s1}:{l1}; m {m0} -> {m1}",
  "lesson.too_big.limit": "lambda {lambda_max} limit {limit} lr {lr}.",
  "lesson.too_big.limit_other": "other {optimizer} limit {limit}",
  "lesson.too_big.limit_minibatch": "minibatch limit {limit}",
  "lesson.too_big.limit_scheduled": "scheduled limit {limit} from {lr}",
  "lesson.too_big.over": "over {lr} factor {factor}",
  "lesson.too_big.diverged": "diverged at {step}",
  "lesson.too_big.no_limit": "no limit",
};
useMessages(MESSAGES);

describe("where the lesson is kept", () => {
  test("a stop is a whole number from 1 to 6, nothing else", () => {
    assert.equal(stopNumber("3"), 3);
    assert.equal(stopNumber(6), 6);
    for (const bad of ["0", "7", "2.5", "", "x", null, undefined, "1e0x"]) assert.equal(stopNumber(bad), null);
  });

  test("the cookie says open or folded, and at which stop; the server reads the same", () => {
    assert.match(lessonCookie({ stop: 4, open: true }), /^stepwise_lesson=open-4; /);
    assert.match(lessonCookie({ stop: 2, open: false }), /^stepwise_lesson=closed-2; .*Path=\/; SameSite=Lax/);
  });

  test("a linked stop leaves the address once opened, other parameters stay", () => {
    assert.equal(withoutLessonParam("http://h/runs/a?lesson=3&step=2"), "http://h/runs/a?step=2");
    assert.equal(lessonLink("/runs/a", "http://h", 6), "http://h/runs/a?lesson=6");
  });
});

describe("the numbers each stop quotes", () => {
  test("predict, then step: the guess beside TensorFlow's m, gradient descent's rule with its numbers", () => {
    const step = record(1); // m: 0 → -0.5, ∂L/∂m = 5, lr 0.1.
    const { compare, rule } = predictionOutcome(run(), step, -0.25);
    assert.equal(compare, "guess -0.25 tf -0.5 step 1 off 0.25");
    assert.equal(rule, "0 - 0.1 x (5) = -0.5");
  });

  test("under a schedule, gradient descent's rule takes the step's own rate, and the move until it is known", () => {
    const schedule = { name: "exponential_decay", params: { decay_steps: 1, decay_rate: 0.5, staircase: false } };
    const scheduled = run({ config: { learning_rate_schedule: schedule, optimizer_class: "GradientDescentOptimizer" } });
    const step = { ...record(1), weights_after: { b: 0, m: -0.25 } }; // At step 1's rate, 0.05.
    assert.equal(predictionOutcome(scheduled, step, 0, 0.05).rule, "0 - 0.05 x (5) = -0.25");
    assert.equal(predictionOutcome(scheduled, step, 0).rule, "0 + (-0.25) = -0.25 by GradientDescentOptimizer from 5");
  });

  test("another optimizer's move is written as the move TensorFlow made, not lr times the gradient", () => {
    const adam = run({ config: { optimizer: "adam", optimizer_class: "AdamOptimizer" } });
    const { rule } = predictionOutcome(adam, record(2), 0);
    assert.equal(rule, "-0.5 + (-0.5) = -1 by AdamOptimizer from 5");
  });

  test("the shares add up, and TensorFlow's gradient is quoted beside the sum", () => {
    const detail = { step: 3, gradient: { m: 6 }, points: [{ contribution_m: 1.5 }, { contribution_m: 4.5 }] };
    assert.equal(sharesSum(detail), "step 3: 1.5 + 4.5 = 6; tf 6");
    const overflowed = { step: 4, gradient: { m: null }, points: [{ contribution_m: null }] };
    assert.equal(sharesSum(overflowed), "detail.overflow"); // No sum of numbers that are not there.
  });

  test("Run 50's summary goes from where it started to the step given", () => {
    const state = new RunState(run({ steps: 4 }));
    assert.equal(runProgress(state, 0, 4), "0:64 -> 4:4; m 0 -> -2");
    assert.equal(runProgress(state, 4, 4), "");
  });

  test("the guess slider reaches well past a first step either way", () => {
    assert.deepEqual(guessRange({ b: 0, m: 0.5 }), { min: -1.5, max: 2.5, step: 0.01 });
    assert.deepEqual(guessRange({ b: 0, m: 0.27988 }), { min: -1.73, max: 2.28, step: 0.01 });
  });

  test("what ran counts the graph's own ops, not Stepwise's or the initialisation", () => {
    const nodes = [
      { origin: "learner", in_step: true, in_evaluate: true },
      { origin: "minimize", in_step: true, in_evaluate: false },
      { origin: "stepwise", in_step: true, in_evaluate: true },
      { origin: "learner", in_step: false, in_evaluate: false, initializer_only: true },
    ];
    assert.deepEqual(opCounts(nodes), { step: 2, evaluate: 1 });
  });
});

describe("too big a step", () => {
  test("a stable gradient-descent run is offered a rate over 2/λ_max", () => {
    const facts = tooBigFacts(new RunState(run())); // 2/λ_max = 0.05, lr 0.1 is over it.
    assert.equal(facts.tryRate, null);
    assert.equal(facts.text, "lambda 40 limit 0.05 lr 0.1. over 0.1 factor 3");
    const stable = tooBigFacts(new RunState(run({ config: { learning_rate: 0.01 } })));
    assert.equal(stable.tryRate, 0.075);
    assert.ok(stable.tryRate > 0.05);
  });

  test("other optimizers and mini-batches are told the limit is gradient descent's on every point", () => {
    const adam = tooBigFacts(new RunState(run({ config: { optimizer: "adam", optimizer_class: "AdamOptimizer" } })));
    assert.equal(adam.text, "other AdamOptimizer limit 0.05");
    assert.equal(adam.tryRate, 0.075);
    const batches = tooBigFacts(new RunState(run({ config: { batch_size: 2 } })));
    assert.equal(batches.text, "minibatch limit 0.05");
    // A scheduled run's rate is not its first one at every step: it is offered one rate too.
    const schedule = { name: "exponential_decay", params: { decay_steps: 10, decay_rate: 0.5, staircase: false } };
    const scheduled = tooBigFacts(new RunState(run({ config: { learning_rate_schedule: schedule } })));
    assert.deepEqual(scheduled, { text: "scheduled limit 0.05 from 0.1", tryRate: 0.075 });
  });

  test("a diverged run shows the blow-up itself; a flat loss has no limit", () => {
    const diverged = tooBigFacts(new RunState(run({ steps: 2, diverged: true, diverged_at: 2 })));
    assert.deepEqual(diverged, { text: "diverged at 2", tryRate: null });
    const flat = run();
    flat.stability = { ...flat.stability, gradient_descent_limit: null };
    assert.equal(tooBigFacts(new RunState(flat)).text, "no limit");
  });

  test("the rate to try is over the limit after rounding", () => {
    assert.equal(rateOverLimit(0.006456), 0.0097);
    assert.ok(rateOverLimit(0.006456) > 0.006456);
  });
});
