import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import {
  Comparison,
  comparisonQuery,
  dataGroups,
  languageQuery,
  parseRunId,
} from "../../static/js/model/comparison.js";

useMessages({
  "compare.run_n": "Run {n}",
  "compare.too_many": "Only {max}; {n} left out.",
  "compare.need_two": "Add two runs.",
});

describe("the runs compared", () => {
  test("take the first free slot, so each keeps its colour while others come and go", () => {
    const comparison = new Comparison(3);
    for (const id of ["a", "b", "c"]) comparison.add(id);
    assert.equal(comparison.remove("b").slot, 1);
    assert.equal(comparison.add("d").slot, 1);
    assert.deepEqual(comparison.ids, ["a", "c", "d"]);
    comparison.nameEntries();
    assert.deepEqual(comparison.entries.map((entry) => [entry.name, entry.slot]), [["Run 1", 0], ["Run 2", 2], ["Run 3", 1]]);
  });

  test("refuse a run already there, and any run once full", () => {
    const comparison = new Comparison(2);
    comparison.add("a");
    assert.equal(comparison.refusal("a"), "already");
    assert.equal(comparison.refusal("b"), null);
    comparison.add("b");
    assert.ok(comparison.full);
    assert.equal(comparison.refusal("c"), "full");
    assert.equal(comparison.remove("zzz"), null);
  });

  test("a link with more runs than fit opens the first ones and says how many were left out", () => {
    const comparison = new Comparison(2);
    const opened = comparison.open(["a", "b", "c", "d"]);
    assert.deepEqual(opened, ["a", "b"]);
    opened.forEach((id) => comparison.add(id));
    assert.equal(comparison.statusText(), "Only 2; 2 left out.");
    comparison.changed();
    assert.equal(comparison.statusText(), "");
  });

  test("ask for a second run until two can be compared", () => {
    const comparison = new Comparison(8);
    comparison.add("a");
    assert.equal(comparison.statusText(), "Add two runs.");
    comparison.add("b").error = "not found";
    assert.equal(comparison.statusText(), "Add two runs.");
    comparison.add("c");
    assert.equal(comparison.statusText(), "");
  });

  test("a picked or pasted run joins only once it is found", async () => {
    const comparison = new Comparison(2);
    comparison.add("a").state = { run: { id: "a" } };
    let found;
    const finding = comparison.check("b", () => new Promise((resolve) => (found = resolve)));
    // While it is looked for, it is neither compared nor addable twice, and counts to the cap.
    assert.deepEqual(comparison.ids, ["a"]);
    assert.equal(comparison.refusal("b"), "already");
    assert.equal(comparison.refusal("c"), "full");
    assert.ok(comparison.loading);
    found({ run: { id: "b" } });
    const entry = await finding;
    assert.deepEqual(entry.state, { run: { id: "b" } });
    assert.deepEqual(comparison.ids, ["a", "b"]);
    assert.ok(!comparison.loading);
  });

  test("a run that does not exist is refused, not added", async () => {
    const comparison = new Comparison(3);
    const missing = Object.assign(new Error("not found"), { status: 404 });
    await assert.rejects(comparison.check("nope", async () => Promise.reject(missing)), missing);
    assert.deepEqual(comparison.ids, []);
    assert.equal(comparison.refusal("nope"), null); // Free to try again.
    assert.ok(!comparison.loading);
  });

  test("are loading until each is loaded or failed", () => {
    const comparison = new Comparison(8);
    const a = comparison.add("a");
    const b = comparison.add("b");
    assert.ok(comparison.loading);
    a.state = { run: {} };
    b.error = "gone";
    assert.ok(!comparison.loading);
    assert.deepEqual(comparison.loaded, [a]);
  });
});

describe("pasted runs", () => {
  test("are read from a run's page link, its API link, or its id", () => {
    assert.equal(parseRunId(" https://class.example/runs/Ab_9-x?step=3 "), "Ab_9-x");
    assert.equal(parseRunId("/api/runs/Ab_9-x/history"), "Ab_9-x");
    assert.equal(parseRunId("Ab_9-x"), "Ab_9-x");
    assert.equal(parseRunId("not a run"), null);
    assert.equal(parseRunId(""), null);
  });
});

describe("the comparison's address", () => {
  test("names the runs in order and keeps the other parameters", () => {
    assert.equal(comparisonQuery("?lang=zh&runs=old", ["a", "b"]), "?runs=a,b&lang=zh");
    assert.equal(comparisonQuery("", ["a b"]), "?runs=a%20b");
    assert.equal(comparisonQuery("?runs=a", []), "");
  });

  test("language links keep the comparison, with readable commas", () => {
    assert.equal(languageQuery("?runs=a,b&lang=en", "zh"), "runs=a,b&lang=zh");
  });
});

describe("runs grouped by their points", () => {
  const withPoints = (id, x, y) => ({ id, state: { run: { points: { x, y } } } });

  test("share a group only with exactly the same points", () => {
    const a = withPoints("a", [1, 2], [3, 4]);
    const b = withPoints("b", [1, 2], [3, 5]);
    const c = withPoints("c", [1, 2], [3, 4]);
    const d = withPoints("d", [1], [3]);
    assert.deepEqual(dataGroups([a, b, c, d]).map((group) => group.map((run) => run.id)), [["a", "c"], ["b"], ["d"]]);
    assert.deepEqual(dataGroups([]), []);
  });
});
