// A view-only page reads where the run's history ends in the store, and takes the run again
// when its owner stepped or reset it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RunState } from "../../static/js/model/run-state.js";
import { storeNews } from "../../static/js/run-page/viewer-follow.js";
import { record, records, run } from "./fixtures.mjs";

describe("what the store says of the run a viewer's page shows", () => {
  const state = new RunState(run({ steps: 3 }));

  test("the same last step, and none after it: nothing to take", () => {
    assert.equal(storeNews(state, [record(3)]), "same");
  });

  test("a step after the page's last: the owner stepped it", () => {
    assert.equal(storeNews(state, records(3, 4)), "moved_on");
    assert.equal(storeNews(new RunState(run()), [record(1)]), "moved_on");
    assert.equal(storeNews(new RunState(run()), []), "same");
  });

  test("the page's last step gone, or another in its place: the owner reset it", () => {
    assert.equal(storeNews(state, []), "reset");
    assert.equal(storeNews(state, [{ ...record(3), loss_after: 123 }]), "reset");
  });
});
