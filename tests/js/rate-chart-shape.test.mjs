// The learning-rate chart's extent and geometry.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_CHART_STEPS, rateHorizon, rateMarker, ratePoints } from "../../static/js/model/rate-chart-shape.js";

test("the chart reaches past the schedule's changes and the step shown", () => {
  const cosine = { name: "cosine_decay", params: { decay_steps: 100, alpha: 0 } };
  assert.equal(rateHorizon(cosine, 1), 122); // 1.2 × (100 + 1), rounded up.
  assert.equal(rateHorizon(cosine, 300), 310);
  const pieces = { name: "piecewise_constant", params: { boundaries: [5, 10], values: [1, 2, 3] } };
  assert.equal(rateHorizon(pieces, 1), 50, "at least the page's Run 50");
  const exponential = { name: "exponential_decay", params: { decay_steps: 40, decay_rate: 0.5, staircase: false } };
  assert.equal(rateHorizon(exponential, 1), 144, "three periods");
  assert.equal(rateHorizon(exponential, 10 ** 7), MAX_CHART_STEPS);
});

test("rates from step 1 at the left, zero at the bottom, the highest at the top", () => {
  assert.equal(ratePoints([0.1, 0.05, 0], 100, 50), "0,0 50,25 100,50");
  assert.deepEqual(rateMarker([0.1, 0.05, 0], 2, 100, 50), { x: 50, y: 25, rate: 0.05 });
  assert.equal(rateMarker([0.1, 0.05, 0], 4, 100, 50), null);
  assert.equal(ratePoints([0.2], 100, 50), "0,0");
});
