import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

// The dagre the app serves (vendor/, installed by `make test-js` with npm ci).
import * as dagre from "../../vendor/node_modules/@dagrejs/dagre/dist/dagre.esm.js";
import { FRAME_HEADER, edgePath, graphLabels, groupName, layoutGraph } from "../../static/js/model/graph-layout.js";
import { foldGroups, initiallyCollapsed, scopeGroups } from "../../static/js/model/graph-scopes.js";

const sample = JSON.parse(readFileSync(new URL("./sample-graph.json", import.meta.url))).nodes;
// About the page's 12px bold and 11px text.
const measure = (text, kind) => text.length * (kind === "name" ? 7 : 6);
const detail = (item) => (item.kind === "op" ? item.node.op : `${item.count} ops`);

/** The drawing the page makes of `nodes` with `collapsed` groups closed (default: at first). */
function draw(nodes, collapsed) {
  const scopes = scopeGroups(nodes);
  const closed = collapsed ?? initiallyCollapsed(sample, scopeGroups(sample).groups);
  return layoutGraph(foldGroups(nodes, scopes, closed), { dagre, measure, labels: graphLabels(nodes, scopes.groups), detail });
}

const firstView = sample.filter((node) => node.origin !== "stepwise" && !node.initializer_only);
const inside = (inner, outer) =>
  inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.width <= outer.x + outer.width + 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5;
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function checkDrawing(drawing) {
  const { items, frames, edges } = drawing;
  const boxes = new Map([...items, ...frames].map((box) => [box.id, box]));
  for (const [i, a] of items.entries()) {
    assert.ok(a.width > 0 && a.height > 0, a.id);
    for (const b of items.slice(i + 1)) assert.ok(!overlap(a, b), `${a.id} overlaps ${b.id}`);
  }
  for (const box of [...items, ...frames]) {
    assert.ok(inside(box, { x: 0, y: 0, width: drawing.width, height: drawing.height }), box.id);
    if (box.parent !== null) assert.ok(inside(box, boxes.get(box.parent)), `${box.id} outside ${box.parent}`);
  }
  for (const frame of frames) {
    // The frame's header, along its top edge, covers no op and no inner frame's header.
    const header = { x: frame.x, y: frame.y, width: frame.width, height: FRAME_HEADER };
    for (const other of [...items, ...frames.filter((f) => f !== frame)]) {
      const top = other.kind === undefined ? { ...other, height: FRAME_HEADER } : other;
      assert.ok(!overlap(header, top), `${frame.id}'s header covers ${other.id}`);
    }
    // And no op outside the frame lies in it.
    for (const item of items) {
      let at = item.parent;
      while (at !== null && at !== frame.id) at = boxes.get(at).parent;
      if (at === null) assert.ok(!overlap(item, frame), `${item.id} lies in ${frame.id}`);
    }
  }
  for (const edge of edges) {
    // Top to bottom: every edge leaves the bottom of one box for the top of a lower one.
    assert.ok(boxes.get(edge.from).y < boxes.get(edge.to).y, `${edge.from} → ${edge.to}`);
    assert.ok(edge.points.length >= 2);
  }
  const labels = items.map((item) => item.label);
  assert.equal(new Set(labels).size, labels.length, "two items read the same");
}

describe("the graph's layout", () => {
  test("the first view is small enough to read in the panel, the update in it", () => {
    const drawing = draw(firstView);
    checkDrawing(drawing);
    assert.equal(drawing.items.length, 11);
    // The panel is about 618 px wide at 1440 px; the drawing was 1,272 × 942.
    assert.ok(drawing.width <= 600, `${drawing.width} px wide`);
    assert.ok(drawing.height <= 800, `${drawing.height} px high`);
    const update = drawing.items.find((item) => item.node?.role === "update");
    const frame = drawing.frames.find((entry) => entry.id === update.parent);
    assert.equal(frame.label, "GradientDescent/");
  });

  test("every group open, with Stepwise's nodes and the initialisation too", () => {
    const drawing = draw(sample, new Set());
    checkDrawing(drawing);
    assert.equal(drawing.items.length, sample.length);
    const deps = drawing.items.filter((item) => item.node.name.endsWith("_grad/tuple/group_deps"));
    assert.equal(deps.length, 2);
    assert.notEqual(deps[0].label, deps[1].label);
  });

  test("a closed group is one box labelled with its scope", () => {
    const drawing = draw(firstView);
    const gradients = drawing.items.find((item) => item.id === "group:gradients");
    assert.equal(gradients.label, groupName("gradients"));
    assert.ok(gradients.width >= measure("gradients/", "name"));
    checkDrawing(draw(sample)); // Every group closed but the update's.
  });

  test("a frame is as wide as its header", () => {
    const drawing = draw(firstView, new Set());
    for (const frame of drawing.frames) assert.ok(frame.width >= measure(frame.label, "name") + measure(detail(frame), "detail"), frame.id);
  });
});

describe("an edge's path", () => {
  test("runs from the first point to the last", () => {
    const points = [{ x: 0, y: 0 }, { x: 10, y: 20 }, { x: 30, y: 40 }, { x: 30, y: 60 }];
    const d = edgePath(points);
    assert.ok(d.startsWith("M0,0"), d);
    assert.ok(d.endsWith("L30,60"), d);
    assert.equal(edgePath(points.slice(0, 2)), "M0,0L10,20");
  });
});
