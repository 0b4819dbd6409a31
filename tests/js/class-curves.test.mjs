import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  agoMessage,
  chartSignature,
  colourSlot,
  curvePoints,
  mergeSummary,
  runLabel,
  secondsBetween,
  splitRuns,
} from "../../static/js/model/class-curves.js";
import { assignmentQuery } from "../../static/js/model/assignment-link.js";

const run = (overrides = {}) => ({
  id: "abcdefghijklmnop",
  name: null,
  teacher: false,
  steps: 0,
  latest_loss: null,
  diverged: false,
  curve: null,
  ...overrides,
});

describe("the live view's answers", () => {
  test("a curve not sent again is the one kept; runs no longer listed are dropped", () => {
    const first = mergeSummary(new Map(), {
      runs: [run({ id: "a", curve: { stride: 1, losses: [3, 2] } }), run({ id: "b", curve: { stride: 1, losses: [] } })],
    });
    const second = mergeSummary(first.curves, { runs: [run({ id: "a", steps: 2 })] });
    assert.deepEqual(second.runs[0].curve, { stride: 1, losses: [3, 2] });
    assert.deepEqual([...second.curves.keys()], ["a"]);
    const third = mergeSummary(second.curves, { runs: [run({ id: "a", curve: { stride: 1, losses: [3, 2, 1] } })] });
    assert.deepEqual(third.runs[0].curve.losses, [3, 2, 1]);
  });

  test("a curve's points: its grid, and the last step the grid does not reach", () => {
    const grid = run({ steps: 10, latest_loss: 0.5, curve: { stride: 4, losses: [9, 5, 1] } });
    assert.deepEqual(curvePoints(grid), { x: [1, 5, 9, 10], y: [9, 5, 1, 0.5] });
    const onGrid = run({ steps: 9, latest_loss: 1, curve: { stride: 4, losses: [9, 5, 1] } });
    assert.deepEqual(curvePoints(onGrid).x, [1, 5, 9]);
    assert.deepEqual(curvePoints(run({ steps: 3, latest_loss: 2 })), { x: [3], y: [2] }); // Curve not yet kept.
    assert.deepEqual(curvePoints(run()), { x: [], y: [] });
    const overflowed = run({ steps: 3, diverged: true, curve: { stride: 1, losses: [4, 90, null] } });
    assert.deepEqual(curvePoints(overflowed).y, [4, 90, null]);
  });

  test("the teacher's runs apart, and each run by its name or its id", () => {
    const { students, teacher } = splitRuns([run({ id: "s" }), run({ id: "t", teacher: true })]);
    assert.deepEqual([students.map((r) => r.id), teacher.map((r) => r.id)], [["s"], ["t"]]);
    assert.equal(runLabel(run({ name: "Ana <b>" })), "Ana <b>");
    assert.equal(runLabel(run()), "abcdefgh…");
  });

  test("a run keeps its colour whatever runs come before it", () => {
    const slots = ["a", "bb", "ccc", "dddd", "Zx-9_"].map((id) => colourSlot(id, 8));
    assert.ok(slots.every((slot) => Number.isInteger(slot) && slot >= 0 && slot < 8));
    assert.equal(colourSlot("bb", 8), slots[1]);
    assert.ok(new Set(slots).size > 1);
  });

  test("how long ago, in seconds, minutes or hours", () => {
    assert.equal(secondsBetween("2026-01-01T10:00:00Z", "2026-01-01T10:00:42.4Z"), 42);
    assert.equal(secondsBetween("2026-01-01T10:00:05Z", "2026-01-01T10:00:00Z"), 0); // Clocks apart.
    assert.deepEqual(agoMessage(42), ["live.ago_seconds", { n: 42 }]);
    assert.deepEqual(agoMessage(185), ["live.ago_minutes", { n: 3 }]);
    assert.deepEqual(agoMessage(7300), ["live.ago_hours", { n: 2 }]);
  });

  test("the chart is redrawn only when a run or its curve changed", () => {
    const runs = [run({ id: "a", steps: 2, latest_loss: 1, curve: { stride: 1, losses: [2, 1] } })];
    assert.equal(chartSignature(runs), chartSignature(structuredClone(runs)));
    assert.notEqual(chartSignature(runs), chartSignature([{ ...runs[0], steps: 3 }]));
  });
});

describe("an assignment's settings", () => {
  test("are sent as the link's query", () => {
    const query = assignmentQuery([["lr", " 0.01 "], ["optimizer", ""], ["preset", "outlier"], ["num_points", "9"]], ["lr", "data"]);
    assert.equal(query, "lr=0.01&preset=outlier&lock=lr,data");
  });
});
