import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RunState } from "../../static/js/model/run-state.js";
import { record, records, run } from "./fixtures.mjs";

describe("RunState", () => {
  test("a loaded run shows its last step and follows it", () => {
    const state = new RunState(run({ steps: 3 }));
    assert.equal(state.lastStep, 3);
    assert.equal(state.position, 3);
    assert.ok(state.following);
    assert.ok(state.follows(record(4)));
    assert.ok(!state.follows(record(5)), "another tab stepped in between");
  });

  test("a run without steps is at step 0", () => {
    const state = new RunState(run());
    assert.equal(state.lastStep, 0);
    assert.equal(state.position, 0);
  });

  test("new steps move the timeline along only while it follows the newest step", () => {
    const state = new RunState(run({ steps: 3 }));
    state.appendBatch({ records: [record(4)], current: { step: 4 } });
    assert.equal(state.position, 4);
    state.moveTo(1);
    state.appendBatch({ records: [record(5)], current: { step: 5 } });
    assert.equal(state.position, 1);
    assert.equal(state.lastStep, 5);
    assert.deepEqual(state.current, { step: 5 });
  });

  test("a streamed step sets what the session reads now, or nothing once it overflowed", () => {
    const state = new RunState(run({ steps: 1 }));
    state.appendEvent({ ...record(2), predictions: [1, 2, 3] });
    assert.deepEqual(state.current, { step: 2, weights: record(2).weights_after, loss: 16, predictions: [1, 2, 3] });
    assert.equal(state.record(2).predictions, undefined, "predictions are not part of the record");
    state.appendEvent({ ...record(3, { diverged: true }), predictions: null });
    assert.equal(state.current, null);
    assert.ok(state.diverged);
    assert.equal(state.divergedAt, 3);
  });

  test("the timeline moves to whole steps within the run", () => {
    const state = new RunState(run({ steps: 4 }));
    state.moveTo(-3);
    assert.equal(state.position, 0);
    state.moveTo(2.6);
    assert.equal(state.position, 3);
    state.moveTo(99);
    assert.equal(state.position, 4);
  });

  test("weights and loss at a step; step 0 is the initial weights and the first loss before", () => {
    const state = new RunState(run({ steps: 2 }));
    assert.deepEqual(state.weightsAt(0), { b: 0, m: 0 });
    assert.deepEqual(state.weightsAt(2), { b: 1, m: -1 });
    assert.equal(state.lossAt(0), 64);
    assert.equal(state.lossAt(2), 16);
    assert.equal(state.lossAt(7), null);
  });

  test("without steps, the loss at step 0 is what the session reads", () => {
    assert.equal(new RunState(run()).lossAt(0), 64);
    assert.equal(new RunState(run({ current: null })).lossAt(0), null);
  });

  test("the line drawn is the last finite one at or before the step", () => {
    const history = [...records(1, 2), record(3, { diverged: true })];
    const state = new RunState(run({ steps: 3, history }));
    assert.deepEqual(state.lineAt(3), { step: 2, weights: { b: 1, m: -1 } });
    assert.deepEqual(state.lineAt(1), { step: 1, weights: { b: 0.5, m: -0.5 } });
  });

  test("step 0 explains the first update; the next step is previewed unless the run diverged", () => {
    const state = new RunState(run({ steps: 3 }));
    assert.equal(state.explainedStep(0), 1);
    assert.deepEqual(state.stepsToExplain(0), [1, 1]);
    assert.deepEqual(state.stepsToExplain(3), [3, 4]);
    state.noteDivergence(record(3, { diverged: true }));
    assert.deepEqual(state.stepsToExplain(3), [3]);
    assert.deepEqual(state.stepsToExplain(2), [2, 3]);
  });

  test("the steps from zero start with the initial weights and the loss before any update", () => {
    const state = new RunState(run({ steps: 2 }));
    assert.deepEqual(
      state.stepsFromZero().map((r) => [r.step, r.weights_after, r.loss_after]),
      [
        [0, { b: 0, m: 0 }, 64],
        [1, { b: 0.5, m: -0.5 }, 32],
        [2, { b: 1, m: -1 }, 16],
      ],
    );
  });
});

describe("a thinned history", () => {
  const thinned = () => new RunState(run({ history: [record(1), record(5), record(10)], history_thinned: true }));

  test("knows which steps are missing", () => {
    const state = thinned();
    assert.deepEqual([0, 1, 2, 5, 9, 10, 11].filter((k) => state.missing(k)), [2, 9]);
  });

  test("merges pages of records in step order and is whole once every step is there", () => {
    const state = thinned();
    state.merge(records(6, 9));
    assert.deepEqual(state.history.map((r) => r.step), [1, 5, 6, 7, 8, 9, 10]);
    assert.ok(state.thinned);
    state.merge([...records(1, 4), record(11)]);
    assert.deepEqual(state.history.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(!state.thinned);
    assert.ok(!state.missing(3));
  });

  test("keeps the records it has and ignores steps beyond the last", () => {
    const state = thinned();
    const kept = state.record(5);
    state.merge([{ ...record(5), loss_after: -1 }, record(12)]);
    assert.equal(state.record(5), kept);
    assert.equal(state.lastStep, 10);
  });

  test("is replaced whole by a reload", () => {
    const state = thinned();
    state.load(run({ steps: 2 }));
    assert.deepEqual(state.history.map((r) => r.step), [1, 2]);
    assert.ok(!state.thinned);
    assert.equal(state.record(5), null);
  });
});
