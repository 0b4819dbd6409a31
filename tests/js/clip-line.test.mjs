import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { clippedLine } from "../../static/js/lib/clip-line.js";

describe("a line clipped to a chart's window", () => {
  test("a line inside the window is drawn across the whole x range", () => {
    assert.deepEqual(clippedLine({ b: 1, m: 2 }, [-1, 1], [-5, 5]), { x: [-1, 1], y: [-1, 3] });
  });

  test("a diverged run's line keeps its place: it crosses y = 0 where b + m·x does", () => {
    // Weights of a run overflowing (step 58 of the sample at lr 0.01): ends near 1e19 before.
    const weights = { b: 1.1e17, m: -3.0e18 };
    const line = clippedLine(weights, [-12, 17], [-12, 16]);
    const [x0, x1] = line.x;
    const [y0, y1] = line.y;
    assert.ok(Math.abs(y0) <= 16 + 10 * 28 && Math.abs(y1) <= 16 + 10 * 28, JSON.stringify(line));
    const crossing = x0 - (y0 * (x1 - x0)) / (y1 - y0);
    assert.ok(Math.abs(crossing - -weights.b / weights.m) < 1e-9, `crosses at ${crossing}`);
  });

  test("a line wholly outside the window draws nothing", () => {
    assert.deepEqual(clippedLine({ b: 1e9, m: 0 }, [-1, 1], [-5, 5]), { x: [], y: [] });
    assert.deepEqual(clippedLine({ b: 1e12, m: 1 }, [-1, 1], [-5, 5]), { x: [], y: [] });
  });
});
