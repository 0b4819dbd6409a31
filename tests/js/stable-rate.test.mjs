import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { aboveLimit, gradientDescentLimit } from "../../static/js/model/stable-rate.js";
import { run } from "./fixtures.mjs";

// The fixture's run: 3 points, l2_loss, 2/λ_max = 0.05.
const plain = { optimizer: "gradient_descent", loss: "l2_loss", fullBatch: true };

describe("the stable learning rate in the New run form", () => {
  test("is the run's own for its loss, scaled for the other loss of the same points", () => {
    const l2 = run();
    assert.equal(gradientDescentLimit(l2), 0.05);
    // Σe²/n has a Hessian 2/n times l2_loss's: its limit is n/2 times larger.
    assert.ok(Math.abs(gradientDescentLimit(l2, "mean_squared_error") - 0.075) < 1e-12);
    const mse = run({ config: { loss: "mean_squared_error" } });
    assert.ok(Math.abs(gradientDescentLimit(mse, "l2_loss") - 0.05 / 1.5) < 1e-12);
  });

  test("warns above the limit, not at or below it", () => {
    assert.equal(aboveLimit(0.051, run(), plain), true);
    assert.equal(aboveLimit(0.05, run(), plain), false);
    assert.equal(aboveLimit(0.002, run(), plain), false);
    assert.equal(aboveLimit(null, run(), plain), false); // An empty field: the browser says so.
    assert.equal(aboveLimit(0.06, run(), { ...plain, loss: "mean_squared_error" }), false);
  });

  test("says nothing where the limit does not describe the run: other optimizers, mini-batches", () => {
    assert.equal(aboveLimit(5, run(), { ...plain, optimizer: "adam" }), false);
    assert.equal(aboveLimit(5, run(), { ...plain, optimizer: "momentum" }), false);
    assert.equal(aboveLimit(5, run(), { ...plain, fullBatch: false }), false);
  });
});
