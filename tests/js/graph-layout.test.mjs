import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { layout } from "../../static/js/model/graph-layout.js";

/** A node as GET /graph lists it. */
const node = (name, inputs = [], origin = "learner", control_inputs = []) => ({ name, inputs, control_inputs, origin });

const rowOf = (drawing, name) => drawing.position.get(name).y;

describe("the graph's layout", () => {
  const nodes = [
    node("x"),
    node("w"),
    node("mul", ["x", "w"]),
    node("b"),
    node("add", ["mul", "b"]),
    node("grad", ["add"], "minimize"),
    node("step", ["grad"], "stepwise", ["add"]),
  ];
  const drawing = layout(nodes);

  test("every edge points down", () => {
    for (const { name, inputs, control_inputs } of nodes) {
      for (const from of [...inputs, ...control_inputs]) assert.ok(rowOf(drawing, from) < rowOf(drawing, name), `${from} → ${name}`);
    }
  });

  test("a source sits just above the op that uses it", () => {
    assert.equal(rowOf(drawing, "b"), rowOf(drawing, "mul"));
    assert.ok(rowOf(drawing, "b") > rowOf(drawing, "x"));
  });

  test("one region per kind of node, side by side, in order", () => {
    assert.deepEqual(drawing.regions.map((region) => region.origin), ["learner", "minimize", "stepwise"]);
    const [learner, minimize] = drawing.regions;
    assert.ok(minimize.x >= learner.x + learner.width);
    assert.ok(drawing.position.get("grad").x > drawing.position.get("add").x);
    assert.equal(drawing.width, drawing.regions.at(-1).x + drawing.regions.at(-1).width);
  });

  test("inputs outside the nodes shown are ignored, and no nodes draw nothing", () => {
    const partial = layout([node("step", ["hidden"], "stepwise")]);
    assert.deepEqual(partial.regions.map((region) => region.origin), ["stepwise"]);
    assert.equal(layout([]).width, 0);
  });
});
