import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { foldGroups, initiallyCollapsed, scopeGroups } from "../../static/js/model/graph-scopes.js";

/** The sample's graph as GET /graph describes it (tests/training checks it is the real one). */
const sample = JSON.parse(readFileSync(new URL("./sample-graph.json", import.meta.url))).nodes;
/** What the page shows at first: neither Stepwise's nodes nor the initialisation ops. */
const firstView = sample.filter((node) => node.origin !== "stepwise" && !node.initializer_only);
const UPDATE = "GradientDescent/update_weights/ResourceApplyGradientDescent";

describe("groups by name scope", () => {
  const { groups, groupOf } = scopeGroups(sample);

  test("each scope of several ops is a group, inside the scope it lies in", () => {
    assert.equal(groups.get("gradients").members.length, 13);
    assert.equal(groups.get("gradients").parent, null);
    assert.equal(groups.get("gradients/yhat_grad").parent, "gradients");
    assert.equal(groups.get("gradients/yhat_grad/tuple").parent, "gradients/yhat_grad");
    assert.equal(groupOf.get("gradients/yhat_grad/tuple/group_deps"), "gradients/yhat_grad/tuple");
    assert.equal(groupOf.get("loss"), null);
  });

  test("the op named as a scope lies in its group, as in TensorBoard", () => {
    assert.equal(groupOf.get("weights"), "weights");
    assert.equal(groupOf.get("random_normal"), "random_normal");
  });

  test("a scope of fewer than three ops is no group", () => {
    assert.ok(!groups.has("yhat")); // yhat and yhat/ReadVariableOp.
    assert.equal(groupOf.get("yhat/ReadVariableOp"), null);
  });

  test("a group says whose ops it holds", () => {
    assert.equal(groups.get("gradients").origin, "minimize");
    assert.equal(groups.get("weights").origin, "learner");
    // apply_gradients' update, and Stepwise's step counter that apply_gradients names alike.
    assert.equal(groups.get("GradientDescent").origin, "mixed");
  });

  test("at first every outer group is closed but the one holding the update", () => {
    const collapsed = initiallyCollapsed(sample, groups);
    assert.ok(!collapsed.has("GradientDescent"));
    for (const path of ["gradients", "weights", "global_step", "stepwise_after", "random_normal"]) assert.ok(collapsed.has(path), path);
    assert.ok(!collapsed.has("gradients/yhat_grad")); // Open once gradients/ is.
  });
});

describe("folding closed groups", () => {
  const scopes = scopeGroups(firstView);
  const collapsed = initiallyCollapsed(sample, scopeGroups(sample).groups);
  const folded = foldGroups(firstView, scopes, collapsed);
  const item = (id) => folded.items.find((entry) => entry.id === id);

  test("a closed group is one item that counts its ops", () => {
    assert.equal(item("group:gradients").count, 13);
    assert.equal(item("group:weights").count, 3);
    assert.ok(!folded.items.some((entry) => entry.kind === "op" && entry.node.name.startsWith("gradients/")));
  });

  test("the first view is small: the sample's ops, two closed groups and the update", () => {
    assert.deepEqual(
      folded.items.map((entry) => entry.id),
      [
        "op:input",
        "op:target",
        "group:weights",
        "op:yhat/ReadVariableOp",
        "op:yhat",
        "op:yerror",
        "op:loss",
        "group:gradients",
        "op:GradientDescent/learning_rate",
        `op:${UPDATE}`,
        "op:GradientDescent/update",
      ],
    );
    assert.deepEqual(folded.frames.map((frame) => frame.id), ["group:GradientDescent"]);
    assert.equal(item(`op:${UPDATE}`).parent, "group:GradientDescent");
  });

  test("edges to and from a closed group are merged, and none stays inside it", () => {
    const keys = folded.edges.map((edge) => `${edge.from}→${edge.to}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(!folded.edges.some((edge) => edge.from === edge.to));
    const into = folded.edges.filter((edge) => edge.to === "group:gradients").map((edge) => edge.from);
    assert.deepEqual(into.sort(), ["op:input", "op:yerror", "op:yhat/ReadVariableOp"]);
    const out = folded.edges.find((edge) => edge.from === "group:gradients");
    assert.deepEqual([out.to, out.control], [`op:${UPDATE}`, false]);
  });

  test("a closed group is highlighted when any op inside it runs", () => {
    // Step runs the gradient ops; Evaluate (loss.eval(), weights.eval()) runs none of them.
    assert.deepEqual(item("group:gradients").lit, { evaluate: false, step: true });
    // weights.eval() reads weights/Read/ReadVariableOp, inside weights/.
    assert.deepEqual(item("group:weights").lit, { evaluate: true, step: true });
    assert.deepEqual(item(`op:${UPDATE}`).lit, { evaluate: false, step: true });
    const fromGradients = folded.edges.find((edge) => edge.from === "group:gradients");
    assert.deepEqual(fromGradients.lit, { evaluate: false, step: true });
  });

  test("a closed group knows it holds the update", () => {
    const closed = foldGroups(firstView, scopes, new Set(["GradientDescent"]));
    const group = closed.items.find((entry) => entry.id === "group:GradientDescent");
    assert.ok(group.holdsUpdate);
    assert.equal(group.count, 3);
  });

  test("an open group is a frame around its ops, with its inner groups framed inside it", () => {
    const open = foldGroups(firstView, scopes, new Set(["weights"]));
    const frames = new Map(open.frames.map((frame) => [frame.id, frame]));
    assert.equal(frames.get("group:gradients").parent, null);
    assert.equal(frames.get("group:gradients/yhat_grad").parent, "group:gradients");
    assert.equal(frames.get("group:gradients/yhat_grad/tuple").parent, "group:gradients/yhat_grad");
    const deps = open.items.find((entry) => entry.id === "op:gradients/yhat_grad/tuple/group_deps");
    assert.equal(deps.parent, "group:gradients/yhat_grad/tuple");
    assert.ok(open.edges.some((edge) => edge.from === "op:gradients/yhat_grad/tuple/group_deps" && edge.control));
  });
});
