import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RunState } from "../../static/js/model/run-state.js";
import { boundsFor, covers, nextUpdate, pathOf } from "../../static/js/model/weight-path.js";
import { record, records, run } from "./fixtures.mjs";

const noDetails = { peek: () => undefined };

describe("the path of the weights", () => {
  test("starts at the initial weights and leaves out overflowed steps", () => {
    const state = new RunState(run({ steps: 3, history: [...records(1, 2), record(3, { diverged: true })] }));
    assert.deepEqual(pathOf(state), [
      { step: 0, b: 0, m: 0 },
      { step: 1, b: 0.5, m: -0.5 },
      { step: 2, b: 1, m: -1 },
    ]);
  });

  test("is framed with room around it and the answer", () => {
    const state = new RunState(run({ steps: 2 }));
    const bounds = boundsFor(state, pathOf(state));
    // b spans 0..1 and m -1..2 (the answer is (0, 2)): 35% of each span either side.
    assert.deepEqual(bounds.b.map((v) => Number(v.toFixed(6))), [-0.35, 1.35]);
    assert.deepEqual(bounds.m.map((v) => Number(v.toFixed(6))), [-2.05, 3.05]);
  });

  test("a path that barely moves still gets a readable frame", () => {
    const state = new RunState(run({ answer: { b: 0, m: 0 } }));
    assert.deepEqual(boundsFor(state, pathOf(state)), { b: [-0.25, 0.25], m: [-0.25, 0.25] });
  });

  test("a blow-up far from the answer is left out of the frame", () => {
    const far = { ...record(3), weights_after: { b: 1e9, m: -1e9 } };
    const state = new RunState(run({ steps: 3, history: [...records(1, 2), far] }));
    const bounds = boundsFor(state, pathOf(state));
    assert.ok(bounds.b[1] < 10 && bounds.m[0] > -10, JSON.stringify(bounds));
  });

  test("a grid covers the frames inside it", () => {
    const grid = { b: [-1, 1], m: [-2, 2] };
    assert.ok(covers(grid, { b: [-1, 0.5], m: [0, 2] }));
    assert.ok(!covers(grid, { b: [-1, 1.5], m: [0, 1] }));
    assert.ok(!covers(grid, { b: [0, 1], m: [-3, 1] }));
  });
});

describe("the next update from a step", () => {
  test("is the stored step that follows it", () => {
    const state = new RunState(run({ steps: 2 }));
    assert.deepEqual(nextUpdate(state, noDetails, 1), { from: { b: 0.5, m: -0.5 }, to: { b: 1, m: -1 } });
  });

  test("at the last step, is previewed from the session's gradient", () => {
    const state = new RunState(run({ steps: 2 }));
    const preview = { applied: false, weights_before: { b: 1, m: -1 }, gradient: { b: 2, m: -4 } };
    const details = { peek: (step) => (step === 3 ? preview : undefined) };
    assert.deepEqual(nextUpdate(state, details, 2), { from: { b: 1, m: -1 }, to: { b: 0.8, m: -0.6 } });
    assert.equal(nextUpdate(state, noDetails, 2), null, "no preview yet");
  });

  test("is not previewed away from the last step: that step has run since", () => {
    const state = new RunState(run({ history: [record(1), record(5)], history_thinned: true }));
    const preview = { applied: false, weights_before: { b: 1, m: -1 }, gradient: { b: 2, m: -4 } };
    assert.equal(nextUpdate(state, { peek: () => preview }, 2), null);
  });

  test("is unknown past an overflow", () => {
    const state = new RunState(run({ steps: 2, history: [record(1), record(2, { diverged: true })] }));
    assert.equal(nextUpdate(state, noDetails, 1), null);
  });
});
