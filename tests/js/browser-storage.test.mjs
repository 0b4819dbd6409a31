// The two lists kept in localStorage: the recent runs (for the compare page) and owner tokens.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { mayChange, ownerToken, rememberOwnerToken } from "../../static/js/api/owner-tokens.js";
import { recentRuns, rememberRun } from "../../static/js/model/recent-runs.js";
import { memoryStorage } from "./fixtures.mjs";

const opened = (i, config = { learning_rate: 0.1, num_points: 5, optimizer: "adam", loss: "l2_loss" }) => ({
  id: `run-${i}`,
  created_at: "2026-01-01T00:00:00Z",
  config,
});

describe("recent runs", () => {
  beforeEach(() => {
    globalThis.localStorage = memoryStorage();
  });

  test("newest first, each once, the newest 30 kept", () => {
    for (let i = 0; i < 35; i += 1) rememberRun(opened(i));
    rememberRun(opened(10, { learning_rate: 0.5, optimizer: "adam", loss: "mean_squared_error", num_points: 7 }));
    const kept = recentRuns();
    assert.equal(kept.length, 30);
    assert.deepEqual(kept.slice(0, 3).map((run) => run.id), ["run-10", "run-34", "run-33"]);
    assert.equal(kept.filter((run) => run.id === "run-10").length, 1);
    assert.deepEqual(kept[0], {
      id: "run-10",
      created_at: "2026-01-01T00:00:00Z",
      learning_rate: 0.5,
      optimizer: "adam",
      loss: "mean_squared_error",
      num_points: 7,
    });
  });

  test("each run is remembered with the settings that tell it apart", () => {
    rememberRun(opened(1));
    const [entry] = recentRuns();
    assert.deepEqual([entry.optimizer, entry.loss, entry.learning_rate, entry.num_points], ["adam", "l2_loss", 0.1, 5]);
  });

  test("whatever else is stored reads as no runs, or only the entries that are runs", () => {
    localStorage.setItem("stepwise.recentRuns", "not json");
    assert.deepEqual(recentRuns(), []);
    localStorage.setItem("stepwise.recentRuns", JSON.stringify({ id: "x" }));
    assert.deepEqual(recentRuns(), []);
    localStorage.setItem("stepwise.recentRuns", JSON.stringify([null, 3, { id: "" }, { id: "ok" }]));
    assert.deepEqual(recentRuns(), [{ id: "ok" }]);
  });

  test("blocked or missing storage: nothing is remembered, and nothing fails", () => {
    globalThis.localStorage = memoryStorage({ blocked: true });
    rememberRun(opened(1));
    assert.deepEqual(recentRuns(), []);
    delete globalThis.localStorage;
    rememberRun(opened(1));
    assert.deepEqual(recentRuns(), []);
  });
});

describe("owner tokens", () => {
  beforeEach(() => {
    globalThis.localStorage = memoryStorage();
  });

  test("a run is changed by the browser that holds its token, or by anyone if it has no owner", () => {
    rememberOwnerToken("mine", "t-1");
    assert.equal(ownerToken("mine"), "t-1");
    assert.ok(mayChange({ id: "mine", owned: true }));
    assert.ok(!mayChange({ id: "theirs", owned: true }));
    assert.ok(mayChange({ id: "theirs", owned: false }));
  });

  test("are kept for other pages, the 500 used last", () => {
    for (let i = 0; i < 500; i += 1) rememberOwnerToken(`run-${i}`, `t-${i}`);
    rememberOwnerToken("run-0", "t-0"); // Used again: now the newest.
    rememberOwnerToken("run-500", "t-500");
    const ids = Object.keys(JSON.parse(localStorage.getItem("stepwise.ownerTokens")));
    assert.equal(ids.length, 500);
    assert.deepEqual([ids[0], ...ids.slice(-2)], ["run-2", "run-0", "run-500"]);
  });

  test("last as long as the page where storage is blocked", () => {
    globalThis.localStorage = memoryStorage({ blocked: true });
    rememberOwnerToken("private", "t-p");
    assert.equal(ownerToken("private"), "t-p");
    assert.equal(ownerToken("never-seen"), null);
  });
});
