import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import { divergenceOf, divergenceReasons } from "../../static/js/model/divergence.js";
import { RunState } from "../../static/js/model/run-state.js";
import { record, run } from "./fixtures.mjs";

/** A run whose losses go through `losses` (the first is the loss before step 1). */
function stateWithLosses(losses) {
  const history = losses.slice(1).map((loss, i) => ({ ...record(i + 1), loss_before: losses[i], loss_after: loss }));
  return new RunState(run({ steps: history.length, history }));
}

const rising = (from, count, factor = 2) => Array.from({ length: count }, (_, i) => from * factor ** i);

describe("the divergence rule", () => {
  test("an overflow diverges at the step it happened", () => {
    const state = new RunState(run({ steps: 2 }));
    state.appendEvent({ ...record(3, { diverged: true }), predictions: null });
    assert.deepEqual(divergenceOf(state), { kind: "overflow", step: 3 });
  });

  test("a loss that rose at each of ten steps, past where it started, diverges where it began to", () => {
    const losses = [10, 5, 4, ...rising(8, 10)];
    assert.deepEqual(divergenceOf(stateWithLosses(losses)), { kind: "rising", step: 3 });
  });

  test("nine rises in a row are not yet divergence", () => {
    assert.equal(divergenceOf(stateWithLosses([10, 5, 4, ...rising(8, 9)])), null);
  });

  test("one fall breaks the run of rises", () => {
    const losses = [10, ...rising(20, 5), 15, ...rising(16, 5)];
    assert.equal(divergenceOf(stateWithLosses(losses)), null);
  });

  test("rises that stay below the first loss are not divergence (momentum's overshoot)", () => {
    const losses = [1000, 1, ...rising(2, 10, 1.5)];
    assert.equal(divergenceOf(stateWithLosses(losses)), null);
    assert.equal(divergenceOf(new RunState(run())), null);
  });
});

describe("why a run diverges", () => {
  useMessages({
    "divergence.why_gd": "{hessian}: λ {lambda}, lr {lr} is {ratio} × {limit}",
    "divergence.why_momentum": "momentum {mu}, limit {limit}",
    "divergence.why_adaptive": "{optimizer} adapts",
    "divergence.why_gd_scheduled": "scheduled: λ {lambda}, limit {limit}",
    "divergence.why_momentum_scheduled": "scheduled momentum, limit {limit}",
    "divergence.hessian_l2": "XᵀX",
    "divergence.hessian_mse": "2XᵀX/n",
    "divergence.minibatch_note": "mini-batch",
  });

  test("gradient descent: the run's rate against the Hessian's limit", () => {
    assert.deepEqual(divergenceReasons(run({ config: { learning_rate: 0.1 } })), ["XᵀX: λ 40, lr 0.1 is 2 × 0.05"]);
    const mse = run({ config: { loss: "mean_squared_error", batch_size: 2 } });
    assert.deepEqual(divergenceReasons(mse), ["2XᵀX/n: λ 40, lr 0.1 is 2 × 0.05", "mini-batch"]);
  });

  test("momentum uses its own stable limit where the session computed one", () => {
    const momentum = run({
      config: { optimizer: "momentum", optimizer_params: { momentum: 0.9 } },
      stability: { ...run().stability, max_stable_learning_rate: 0.0026 },
    });
    assert.deepEqual(divergenceReasons(momentum), ["momentum 0.9, limit 0.0026"]);
  });

  test("under a schedule the reason does not quote the first rate, which the diverging steps did not take", () => {
    const schedule = { name: "piecewise_constant", params: { boundaries: [10], values: [0.1, 0.5] } };
    assert.deepEqual(divergenceReasons(run({ config: { learning_rate: 0.1, learning_rate_schedule: schedule } })), [
      "scheduled: λ 40, limit 0.05",
    ]);
    const momentum = run({ config: { optimizer: "momentum", optimizer_params: { momentum: 0.9 }, learning_rate_schedule: schedule } });
    assert.deepEqual(divergenceReasons(momentum), ["scheduled momentum, limit 0.05"]);
  });

  test("the adaptive optimizers share one reason", () => {
    assert.deepEqual(divergenceReasons(run({ config: { optimizer: "adam" } })), ["adam adapts"]);
  });
});
