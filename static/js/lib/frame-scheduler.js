// Redraws spread over animation frames: each frame draws stale parts of the page until its
// time budget is spent, so a long history never freezes the page in one long task.

const FRAME_BUDGET_MS = 12;

export class FrameScheduler {
  /**
   * `parts` are drawing functions, cheapest and most read first. While `throttled()` holds,
   * a part with an entry in `minIntervals` is redrawn at most that often (ms).
   * `onSettled` runs when a frame leaves nothing stale.
   */
  constructor(parts, { minIntervals, throttled, onSettled }) {
    this.parts = parts;
    this.minIntervals = minIntervals;
    this.throttled = throttled;
    this.onSettled = onSettled;
    this.stale = new Set();
    this.drawnAt = new Map();
    this.pending = false;
  }

  /** Mark `parts` (all of them by default) stale and draw them over the next frames. */
  schedule(parts = this.parts) {
    parts.forEach((part) => this.stale.add(part));
    this.request();
  }

  /** Draw every part now (the first paint). */
  drawAll() {
    this.parts.forEach((part) => part());
    this.stale.clear();
    this.onSettled();
  }

  /** Draw `part` now. */
  drawNow(part) {
    this.stale.delete(part);
    part();
    this.drawnAt.set(part, performance.now());
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.drawSome());
  }

  waits(part, now) {
    const interval = this.minIntervals.get(part);
    return interval !== undefined && this.throttled() && now - (this.drawnAt.get(part) || 0) < interval;
  }

  drawSome() {
    this.pending = false;
    const start = performance.now();
    for (const part of this.parts) {
      if (!this.stale.has(part) || this.waits(part, start)) continue;
      this.stale.delete(part);
      part();
      this.drawnAt.set(part, performance.now());
      if (performance.now() - start > FRAME_BUDGET_MS) break;
    }
    if (this.stale.size) this.request();
    else this.onSettled();
  }
}
