// Two tabs of one browser on the same run: what one changes, the other takes from the server at
// once, without reloading for every streamed step, and after an action of its own.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import { RunState } from "../../static/js/model/run-state.js";
import { TabSync } from "../../static/js/run-page/tab-sync.js";
import { run } from "./fixtures.mjs";

const NEWS_INTERVAL_MS = 500; // As tab-sync.js tells.
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Time for a message to cross between the tabs, when the test expects nothing to come of it. */
const delivered = () => wait(20);
/** Wait until `condition()` holds (timers fire late on a busy machine); fail after 5 s. */
async function eventually(condition) {
  for (let waited = 0; !condition(); waited += 10) {
    assert.ok(waited < 5000, "the condition never held");
    await wait(10);
  }
}

/** A tab on the run whose server copy is `server.run`: its state, sync, and what it did. */
function tab(server, { busy = () => false } = {}) {
  const state = new RunState(server.run);
  const did = { reloads: 0, moves: [], errors: [] };
  const sync = new TabSync(state, {
    busy,
    reload: async () => {
      did.reloads += 1;
      state.load(server.run);
    },
    moveTo: (k) => {
      did.moves.push(k);
      state.moveTo(k);
    },
    reportError: (error) => did.errors.push(error),
  });
  return { state, sync, did };
}

describe("tabs of one browser on the same run", () => {
  let status;
  const tabs = [];
  const open = (...args) => {
    const opened = tab(...args);
    tabs.push(opened);
    return opened;
  };
  beforeEach(() => {
    status = { textContent: "", dataset: {}, hidden: true };
    globalThis.document = { getElementById: (id) => (id === "status" ? status : null) };
    useMessages({
      "status.changed_in_other_tab": "Another tab changed this run: step {step} now.",
      "status.reset_elsewhere": "Reset elsewhere.",
      "status.owner_moved_on": "The owner stepped it: step {step} now.",
      "status.reset_by_owner": "The owner reset it.",
    });
  });
  afterEach(() => {
    for (const { sync } of tabs.splice(0)) sync.channel.close();
    delete globalThis.document;
    useMessages({});
  });

  test("take the server's run when the other tab steps, and say so", async () => {
    const server = { run: run({ steps: 2 }) };
    const a = open(server);
    const b = open(server);
    server.run = run({ steps: 3 });
    a.state.load(server.run);
    a.sync.changed();
    await eventually(() => b.did.reloads === 1);
    assert.equal(b.state.lastStep, 3);
    assert.equal(status.textContent, "Another tab changed this run: step 3 now.");
    assert.equal(a.did.reloads, 0, "the tab that changed it is not told");
  });

  test("are told of a stream's steps at most twice a second, the last one always", async () => {
    const server = { run: run({ steps: 0 }) };
    const a = open(server);
    const b = open(server);
    const streamed = (step) => {
      server.run = run({ steps: step });
      a.state.load(server.run);
      a.sync.changed();
    };
    streamed(1);
    await eventually(() => b.state.lastStep === 1);
    for (let step = 2; step <= 10; step += 1) streamed(step);
    await delivered();
    assert.equal(b.did.reloads, 1, "steps 2 to 10 are told together, a moment later");
    await eventually(() => b.state.lastStep === 10);
    assert.equal(b.did.reloads, 2);
  });

  test("hear of a reset at once, even right after steps, and say it was reset", async () => {
    const server = { run: run({ steps: 5 }) };
    const a = open(server);
    const b = open(server);
    a.sync.changed(); // Told already: the next news would wait.
    server.run = run({ steps: 0 });
    a.state.load(server.run);
    a.sync.changed({ reset: true });
    await eventually(() => b.state.lastStep === 0);
    assert.equal(status.textContent, "Reset elsewhere.");
  });

  test("a viewer's page told by the store of the owner's steps or reset takes the run and says whose", async () => {
    const server = { run: run({ steps: 2 }) };
    const viewer = open(server);
    server.run = run({ steps: 4 });
    viewer.sync.ownerChanged({ reset: false });
    await eventually(() => viewer.state.lastStep === 4);
    assert.equal(status.textContent, "The owner stepped it: step 4 now.");
    server.run = run({ steps: 0 });
    viewer.sync.ownerChanged({ reset: true });
    await eventually(() => viewer.state.lastStep === 0);
    assert.equal(status.textContent, "The owner reset it.");
  });

  test("keep the step a learner replays, and ignore news of what they have", async () => {
    const server = { run: run({ steps: 6 }) };
    const a = open(server);
    const b = open(server);
    b.state.moveTo(2);
    a.sync.changed(); // Still step 6: nothing to take.
    await delivered();
    assert.equal(b.did.reloads, 0);
    server.run = run({ steps: 7 });
    a.state.load(server.run);
    await wait(NEWS_INTERVAL_MS);
    a.sync.changed();
    await eventually(() => b.did.reloads === 1);
    assert.deepEqual([b.state.lastStep, b.state.position], [7, 2]);
  });

  test("wait for an action of their own to finish before taking the run", async () => {
    const server = { run: run({ steps: 1 }) };
    let busy = true;
    const a = open(server);
    const b = open(server, { busy: () => busy });
    server.run = run({ steps: 2 });
    a.state.load(server.run);
    a.sync.changed();
    await delivered();
    assert.equal(b.did.reloads, 0);
    busy = false;
    await eventually(() => b.state.lastStep === 2);
    assert.equal(b.did.reloads, 1);
  });
});
