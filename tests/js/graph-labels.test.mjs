import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import { LABEL_CHARS, middleCut, uniqueLabels } from "../../static/js/model/graph-labels.js";

const sample = JSON.parse(readFileSync(new URL("./sample-graph.json", import.meta.url))).nodes;
const lastPart = (name) => name.slice(name.lastIndexOf("/") + 1);

describe("a node's label", () => {
  test("a short name is shown whole", () => {
    for (const name of ["loss", "yhat/ReadVariableOp", "GradientDescent/update"]) assert.equal(middleCut(name), name);
  });

  test("a long name is cut in the middle: its start and its whole last part stay", () => {
    const label = middleCut("gradients/yhat_grad/tuple/group_deps");
    assert.equal(label, "gradients/yh…/group_deps");
    assert.ok(label.length <= LABEL_CHARS);
  });

  test("a name a few characters over is shown whole: cutting it would save too little", () => {
    assert.equal(middleCut("gradients/yerror_grad/Neg"), "gradients/yerror_grad/Neg");
  });

  test("the end starts at a slash, never inside a part of the name", () => {
    assert.equal(middleCut("gradients/yhat_grad/MatMul_1"), "gradients/yhat…/MatMul_1");
    for (const { name } of sample) {
      const label = middleCut(name);
      if (label !== name) assert.ok(label.split("…")[1].startsWith("/"), label);
    }
  });

  test("a short outer scope is kept whole, at a few characters over the budget", () => {
    assert.equal(middleCut("weights/IsInitialized/VarIsInitializedOp"), "weights/…/VarIsInitializedOp");
  });

  test("a last part longer than the budget is still whole", () => {
    const name = "GradientDescent/update_weights/ResourceApplyGradientDescent";
    const label = middleCut(name);
    assert.ok(label.endsWith("/ResourceApplyGradientDescent"), label);
    assert.ok(label.startsWith("Grad") && label.includes("…"), label);
  });

  test("a group's path keeps its last scope and its slash", () => {
    assert.equal(middleCut("stepwise_explain/gradients/yerror_grad/"), "stepwise_e…/yerror_grad/");
  });

  test("a name without scopes is never cut", () => {
    const name = "a_very_long_name_the_learner_gave_one_op";
    assert.equal(middleCut(name), name);
  });
});

describe("labels of many nodes", () => {
  test("the two group_deps of the sample's gradients read differently", () => {
    const names = ["gradients/yerror_grad/tuple/group_deps", "gradients/yhat_grad/tuple/group_deps"];
    const labels = uniqueLabels(names);
    const [a, b] = names.map((name) => labels.get(name));
    assert.notEqual(a, b);
    for (const label of [a, b]) assert.ok(label.startsWith("gradients/y") && label.endsWith("/group_deps"), label);
  });

  test("no two of the sample's nodes share a label, and each ends with its op's name", () => {
    const names = sample.map((node) => node.name);
    const labels = uniqueLabels(names);
    assert.equal(new Set(labels.values()).size, names.length);
    for (const name of names) assert.ok(labels.get(name).endsWith(lastPart(name)), name);
  });

  test("labels that clash grow until they differ", () => {
    const names = ["scope/aaaaaaaaaaaaaaaaaaaa_x/op", "scope/aaaaaaaaaaaaaaaaaaaa_y/op", "scope/b/op"];
    const labels = uniqueLabels(names, 12);
    assert.equal(new Set(labels.values()).size, 3);
    assert.equal(labels.get("scope/b/op"), "scope/b/op");
  });
});
