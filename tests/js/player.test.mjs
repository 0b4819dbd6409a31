// The Player's word to the server: a paced run waits for the page, which says each step it
// shows, and stops saying it once Stop is pressed; an unpaced run is not held back.
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";

import { Player, streamInterval } from "../../static/js/run-page/player.js";

/** A server the test plays: every request the page sends, and a stream body the test writes. */
function fakeServer() {
  const requests = [];
  let streamBody;
  const body = new ReadableStream({
    start(controller) {
      streamBody = controller;
    },
  });
  globalThis.fetch = async (url, options = {}) => {
    requests.push({ url: String(url), method: options.method ?? "GET", body: options.body && JSON.parse(options.body) });
    if (String(url).includes("/stream?")) return new Response(body, { status: 200 });
    return new Response(JSON.stringify({ streams: 1 }), { status: 200 });
  };
  const send = (event, data) => streamBody.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  return { requests, send };
}

/** Let the page read what was sent and answer it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function player() {
  const seen = { steps: [], ends: [], errors: [] };
  const played = new Player("run-1", {
    onStep: (event) => seen.steps.push(event.step),
    onEnd: (end) => seen.ends.push(end),
    onError: (error) => seen.errors.push(error),
  });
  return { played, seen };
}

const said = (requests) => requests.filter((r) => r.url.includes("/shown")).map((r) => r.body.step);

describe("the player", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  test("says each step of a paced run it shows, so the server waits for it", async () => {
    const server = fakeServer();
    const { played, seen } = player();
    played.play(50);
    await settle();
    const stream = new URL(server.requests[0].url, "http://page");
    assert.equal(stream.searchParams.get("wait_for_page"), "true");
    const id = stream.searchParams.get("stream");
    assert.match(id, /^[0-9a-f]{24}$/);
    server.send("step", { step: 1 });
    server.send("step", { step: 2 });
    await settle();
    assert.deepEqual(seen.steps, [1, 2]);
    assert.deepEqual(said(server.requests), [1, 2]);
    assert.ok(server.requests.filter((r) => r.url.includes("/shown")).every((r) => r.url.includes(`/streams/${id}/`)));
  });

  test("stops saying what it shows once Stop is pressed, and names its stream to stop", async () => {
    const server = fakeServer();
    const { played, seen } = player();
    played.play(50);
    await settle();
    const id = new URL(server.requests[0].url, "http://page").searchParams.get("stream");
    server.send("step", { step: 1 });
    await settle();
    played.stop();
    server.send("step", { step: 2 }); // Computed before Stop arrived: shown, but not said.
    await settle();
    assert.deepEqual(said(server.requests), [1]);
    const stop = server.requests.find((r) => r.url.endsWith("/stop"));
    assert.deepEqual(stop.body, { stream: id });
    server.send("end", { reason: "stopped", step: 2 });
    await settle();
    assert.deepEqual(seen.steps, [1, 2]);
    assert.deepEqual(seen.ends, [{ reason: "stopped", step: 2 }]);
    assert.equal(played.playing, false);
  });

  for (const [steps, kind] of [
    [5000, "an unpaced run"],
    [500, "a run paced faster than a screen frame"],
  ]) {
    test(`does not hold back ${kind}`, () => notHeldBack(steps));
  }
});

describe("a run the page does not hold back", () => {
  test("Run 50 is paced at a frame or slower, Run 500 faster", () => {
    assert.ok(streamInterval(50) >= 1000 / 60);
    assert.ok(streamInterval(500) > 0 && streamInterval(500) < 1000 / 60);
    assert.equal(streamInterval(5000), 0);
  });
});

/** Play `steps` and check that the page never tells the server what it shows. */
async function notHeldBack(steps) {
  const server = fakeServer();
  const { played } = player();
  played.play(steps);
  await settle();
  assert.equal(new URL(server.requests[0].url, "http://page").searchParams.get("wait_for_page"), null);
  server.send("step", { step: 1 });
  await settle();
  assert.deepEqual(said(server.requests), []);
  played.stop();
  server.send("end", { reason: "stopped", step: 1 });
  await settle();
}
