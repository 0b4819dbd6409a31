import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, test } from "node:test";

import { useMessages } from "../../static/js/lib/i18n.js";
import { RunState } from "../../static/js/model/run-state.js";
import { surfaceCaption } from "../../static/js/model/surface-caption.js";
import {
  COORDINATE_LIMIT,
  boundsFor,
  covers,
  nextUpdate,
  pathOf,
  surfaceFrame,
} from "../../static/js/model/weight-path.js";
import { record, records, run } from "./fixtures.mjs";

const noDetails = { peek: () => undefined };

describe("the path of the weights", () => {
  test("starts at the initial weights and leaves out overflowed steps", () => {
    const state = new RunState(run({ steps: 3, history: [...records(1, 2), record(3, { diverged: true })] }));
    assert.deepEqual(pathOf(state), [
      { step: 0, b: 0, m: 0 },
      { step: 1, b: 0.5, m: -0.5 },
      { step: 2, b: 1, m: -1 },
    ]);
  });

  test("is framed with room around it and the answer", () => {
    const state = new RunState(run({ steps: 2 }));
    const bounds = boundsFor(state, pathOf(state));
    // b spans 0..1 and m -1..2 (the answer is (0, 2)): 35% of each span either side.
    assert.deepEqual(bounds.b.map((v) => Number(v.toFixed(6))), [-0.35, 1.35]);
    assert.deepEqual(bounds.m.map((v) => Number(v.toFixed(6))), [-2.05, 3.05]);
  });

  test("a path that barely moves still gets a readable frame", () => {
    const state = new RunState(run({ answer: { b: 0, m: 0 } }));
    assert.deepEqual(boundsFor(state, pathOf(state)), { b: [-0.25, 0.25], m: [-0.25, 0.25] });
  });

  test("a blow-up far from the answer is left out of the frame", () => {
    const far = { ...record(3), weights_after: { b: 1e9, m: -1e9 } };
    const state = new RunState(run({ steps: 3, history: [...records(1, 2), far] }));
    const bounds = boundsFor(state, pathOf(state));
    assert.ok(bounds.b[1] < 10 && bounds.m[0] > -10, JSON.stringify(bounds));
  });

  test("a grid covers the frames inside it", () => {
    const grid = { b: [-1, 1], m: [-2, 2] };
    assert.ok(covers(grid, { b: [-1, 0.5], m: [0, 2] }));
    assert.ok(!covers(grid, { b: [-1, 1.5], m: [0, 1] }));
    assert.ok(!covers(grid, { b: [0, 1], m: [-3, 1] }));
  });
});

describe("the next update from a step", () => {
  const adam = { optimizer: "adam", optimizer_class: "AdamOptimizer", learning_rate: 0.1 };

  test("is the stored step that follows it", () => {
    const state = new RunState(run({ steps: 2 }));
    assert.deepEqual(nextUpdate(state, noDetails, 1), {
      step: 2,
      from: { b: 0.5, m: -0.5 },
      to: { b: 1, m: -1 },
      gradientStep: null, // Gradient descent's update is the plain gradient step.
    });
  });

  test("at the last step, is TensorFlow's preview of it, not −lr·∇L", () => {
    const state = new RunState(run({ steps: 2, config: adam }));
    const preview = {
      applied: false,
      weights_before: { b: 1, m: -1 },
      gradient: { b: 2, m: -4.4 },
      preview: { weights_after: { b: 0.99, m: -1.007 }, loss_after: 1, variables_after: {} },
    };
    const details = { peek: (step) => (step === 3 ? preview : undefined) };
    const update = nextUpdate(state, details, 2);
    assert.equal(update.step, 3);
    assert.deepEqual(update.from, { b: 1, m: -1 });
    assert.deepEqual(update.to, { b: 0.99, m: -1.007 }, "the session's own numbers");
    assert.deepEqual(update.gradientStep, { b: 1 - 0.1 * 2, m: -1 + 0.1 * 4.4 });
    assert.equal(nextUpdate(state, noDetails, 2), null, "no preview yet");
  });

  test("beside a stored step of an optimizer that bends it, has the plain gradient step", () => {
    const state = new RunState(run({ steps: 2, config: { ...adam, optimizer: "momentum" } }));
    // record(2)'s gradient is (−5, 5): the plain step from (0.5, −0.5) with lr 0.1.
    assert.deepEqual(nextUpdate(state, noDetails, 1).gradientStep, { b: 1, m: -1 });
  });

  test("under a schedule, takes the plain step at the step's own rate, once TensorFlow has given it", () => {
    const schedule = { name: "exponential_decay", params: { decay_steps: 1, decay_rate: 0.5, staircase: false } };
    const config = { ...adam, optimizer: "momentum", learning_rate_schedule: schedule };
    const state = new RunState(run({ steps: 2, config }));
    const detail = { applied: true, learning_rate: 0.025 };
    // record(2)'s gradient is (−5, 5), from (0.5, −0.5): at step 2's rate, not the run's 0.1.
    assert.deepEqual(nextUpdate(state, { peek: (step) => (step === 2 ? detail : undefined) }, 1).gradientStep, {
      b: 0.5 + 0.025 * 5,
      m: -0.5 - 0.025 * 5,
    });
    assert.equal(nextUpdate(state, noDetails, 1).gradientStep, null, "no rate known: no plain step drawn");
  });

  test("is not guessed from a detail without the session's preview", () => {
    const state = new RunState(run({ steps: 2 }));
    const detail = { applied: false, weights_before: { b: 1, m: -1 }, gradient: { b: 2, m: -4 }, preview: null };
    assert.equal(nextUpdate(state, { peek: () => detail }, 2), null);
  });

  test("is not previewed away from the last step: that step has run since", () => {
    const state = new RunState(run({ history: [record(1), record(5)], history_thinned: true }));
    const preview = {
      applied: false,
      weights_before: { b: 1, m: -1 },
      gradient: { b: 2, m: -4 },
      preview: { weights_after: { b: 0.8, m: -0.6 } },
    };
    assert.equal(nextUpdate(state, { peek: () => preview }, 2), null);
  });

  test("is unknown past an overflow, or when the preview overflows", () => {
    const state = new RunState(run({ steps: 2, history: [record(1), record(2, { diverged: true })] }));
    assert.equal(nextUpdate(state, noDetails, 1), null);
    const fine = new RunState(run({ steps: 2 }));
    const overflowing = { applied: false, weights_before: { b: 1, m: -1 }, gradient: { b: 2, m: -4 }, preview: { weights_after: { b: null, m: null } } };
    assert.equal(nextUpdate(fine, { peek: () => overflowing }, 2), null);
  });
});

describe("the loss surface's window", () => {
  const contains = (bounds, w) => bounds.b[0] <= w.b && w.b <= bounds.b[1] && bounds.m[0] <= w.m && w.m <= bounds.m[1];
  const valid = (bounds) =>
    ["b", "m"].every((axis) => bounds[axis][0] < bounds[axis][1] && bounds[axis].every((v) => Math.abs(v) <= COORDINATE_LIMIT));
  const diverging = (points) =>
    new RunState(
      run({
        steps: points.length,
        history: points.map((w, i) => ({ ...record(i + 1), weights_after: w })),
      }),
    );

  test("is the path's own frame while the path stays near the valley", () => {
    const state = new RunState(run({ steps: 3 }));
    const frame = surfaceFrame(state, pathOf(state));
    assert.deepEqual(frame.bounds, boundsFor(state, pathOf(state)));
    assert.equal(frame.zoomedOut, false);
    assert.equal(frame.beyond, null);
  });

  test("zooms out to the whole path when it leaves the valley", () => {
    const state = diverging([{ b: 1, m: -1 }, { b: -30, m: 40 }, { b: 900, m: -2500 }]);
    const frame = surfaceFrame(state, pathOf(state));
    assert.ok(contains(frame.bounds, { b: 900, m: -2500 }), JSON.stringify(frame.bounds));
    assert.ok(contains(frame.bounds, state.run.answer), "the valley stays in view");
    assert.ok(frame.zoomedOut);
    assert.equal(frame.beyond, null);
    assert.ok(valid(frame.bounds));
  });

  test("stops at the limit the surface can be computed for, and says where the path went", () => {
    const state = diverging([{ b: 10, m: -20 }, { b: -3e4, m: 5e5 }, { b: 4e7, m: -9e8 }, { b: -1.8e18, m: 2e18 }]);
    const frame = surfaceFrame(state, pathOf(state));
    assert.ok(valid(frame.bounds), JSON.stringify(frame.bounds));
    assert.ok(contains(frame.bounds, { b: -3e4, m: 5e5 }), "the last point within the limit");
    assert.deepEqual(frame.beyond, { step: 3, last: { step: 4, b: -1.8e18, m: 2e18 } });
  });

  test("is a valid request even at the limit itself", () => {
    const state = diverging([{ b: 1e6, m: 1e6 }]);
    const frame = surfaceFrame({ ...state, run: { ...state.run, answer: { b: 1e6, m: 1e6 } } }, [
      { step: 0, b: 1e6, m: 1e6 },
    ]);
    assert.ok(valid(frame.bounds), JSON.stringify(frame.bounds));
  });
});

describe("the loss surface's caption", () => {
  const english = JSON.parse(readFileSync(new URL("../../app/locales/en.json", import.meta.url), "utf-8"));
  const chinese = JSON.parse(readFileSync(new URL("../../app/locales/zh.json", import.meta.url), "utf-8"));
  const config = (optimizer, extra = {}) => ({ optimizer, optimizer_class: `${optimizer}Class`, batch_size: null, ...extra });
  const from = { b: 1, m: 2 };
  after(() => useMessages({}));

  test("says what the arrow is for each optimizer, in both languages", () => {
    for (const catalogue of [english, chinese]) {
      useMessages(catalogue);
      for (const optimizer of ["gradient_descent", "momentum", "adagrad", "rmsprop", "adam"]) {
        const [line] = surfaceCaption(config(optimizer), null, null);
        assert.ok(line.includes(`${optimizer}Class`), line);
        assert.ok(!/[{}]/.test(line), line);
        assert.ok(line.includes("lr·∇L"), line);
      }
    }
  });

  test("gives TensorFlow's move, and the plain gradient step's beside it", () => {
    useMessages(english);
    const update = { step: 51, from, to: { b: 1.0021, m: 1.993 }, gradientStep: { b: 0.9, m: 2.44 } };
    const lines = surfaceCaption(config("adam"), update, null);
    assert.equal(lines[1], "Step 51 moves the weights by Δb = 0.0021, Δm = -0.007 (TensorFlow's numbers).");
    assert.equal(lines[2], "The plain gradient step would move them by Δb = -0.1, Δm = 0.44.");
    const gd = surfaceCaption(config("gradient_descent"), { ...update, gradientStep: null }, null);
    assert.equal(gd.length, 2);
  });

  test("says why no arrow is drawn when the next update is not known", () => {
    useMessages({ ...english, "surface.arrow.none": "No arrow here." });
    const lines = surfaceCaption(config("adam"), null, null);
    assert.equal(lines.at(-1), "No arrow here.");
    const update = { step: 2, from, to: { b: 1, m: 2 }, gradientStep: null };
    assert.ok(!surfaceCaption(config("adam"), update, null).includes("No arrow here."));
  });

  test("notes a mini-batch, a zoomed-out window and a path beyond the limit", () => {
    useMessages(english);
    const batch = surfaceCaption(config("momentum", { batch_size: 2 }), null, { zoomedOut: true, beyond: null });
    assert.match(batch[1], /mini-batch loss/);
    assert.match(batch[2], /zoomed out/);
    const beyond = { zoomedOut: true, beyond: { step: 40, last: { step: 57, b: -1.8e18, m: 3e17 } } };
    const lines = surfaceCaption(config("gradient_descent"), null, beyond);
    assert.equal(
      lines[1],
      "From step 40 the weights are beyond ±1,000,000, where the loss surface cannot be computed: the view " +
        "shows the path up to there, and the line leaving it is where the weights went. The last finite " +
        "weights (step 57) are b = -1.8e+18, m = 3e+17.",
    );
  });
});
