// How fast the run page draws and streams: the frame scheduler, the pause between streamed
// steps, and when the loss chart needs a log axis.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { lossAxisType } from "../../static/js/charts/loss-chart.js";
import { FrameScheduler } from "../../static/js/lib/frame-scheduler.js";
import { streamInterval } from "../../static/js/run-page/player.js";

describe("streamed runs", () => {
  test("take about two seconds while each step can be seen, and go as fast as they can after", () => {
    assert.equal(streamInterval(50), 40);
    assert.equal(streamInterval(500), 4);
    assert.equal(streamInterval(5000), 0);
  });
});

describe("the loss chart's axis", () => {
  test("is logarithmic once the losses span more than a thousandfold", () => {
    assert.equal(lossAxisType([1000, 10, 2]), "linear");
    assert.equal(lossAxisType([5000, 10, 2]), "log");
    assert.equal(lossAxisType([500, null, 0, 10]), "linear", "overflows and zeros are left out");
    assert.equal(lossAxisType([]), "linear");
  });
});

describe("the frame scheduler", () => {
  /** A clock the test moves, and animation frames the test runs. */
  function fakeFrames() {
    const frames = [];
    let now = 0;
    globalThis.requestAnimationFrame = (callback) => frames.push(callback);
    globalThis.performance = { now: () => now };
    return {
      tick: (ms) => (now += ms),
      runFrame: () => frames.shift()(),
      get waiting() {
        return frames.length;
      },
    };
  }

  test("draws stale parts over as many frames as its budget needs, then settles", () => {
    const clock = fakeFrames();
    const drawn = [];
    const part = (name, ms) => () => {
      drawn.push(name);
      clock.tick(ms);
    };
    let settled = 0;
    const parts = [part("text", 1), part("chart", 20), part("surface", 5)];
    const scheduler = new FrameScheduler(parts, { minIntervals: new Map(), throttled: () => false, onSettled: () => (settled += 1) });
    scheduler.schedule();
    scheduler.schedule();
    assert.equal(clock.waiting, 1, "one frame however often it is asked");
    clock.runFrame();
    assert.deepEqual(drawn, ["text", "chart"]);
    assert.equal(settled, 0);
    clock.runFrame();
    assert.deepEqual(drawn, ["text", "chart", "surface"]);
    assert.equal(settled, 1);
    assert.equal(clock.waiting, 0);
  });

  test("while throttled, redraws a part at most once per its interval", () => {
    const clock = fakeFrames();
    let draws = 0;
    let throttled = true;
    const chart = () => (draws += 1);
    const scheduler = new FrameScheduler([chart], {
      minIntervals: new Map([[chart, 100]]),
      throttled: () => throttled,
      onSettled: () => {},
    });
    clock.tick(1000);
    scheduler.schedule();
    clock.runFrame();
    scheduler.schedule();
    clock.tick(50);
    clock.runFrame();
    assert.equal(draws, 1, "too soon: waits for a later frame");
    clock.tick(60);
    clock.runFrame();
    assert.equal(draws, 2);
    throttled = false;
    scheduler.schedule();
    clock.runFrame();
    assert.equal(draws, 3, "not throttled: at once");
  });
});
