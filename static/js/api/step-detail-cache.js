// Step details from GET /api/runs/{id}/steps/{k}, fetched once each and kept until the run changes.

import { getStepDetail } from "./client.js";

export class DetailCache {
  constructor(runId, onLoad) {
    this.runId = runId;
    this.onLoad = onLoad;
    this.entries = new Map();
    this.pending = new Set();
    this.generation = 0; // Answers to requests made before clear() are dropped.
  }

  /** The detail of `step` if it has arrived. */
  peek(step) {
    return this.entries.get(step);
  }

  /** Fetch the details of `steps` that are neither here nor on their way. */
  want(steps) {
    for (const step of steps) {
      if (step < 1 || this.entries.has(step) || this.pending.has(step)) continue;
      this.pending.add(step);
      const generation = this.generation;
      getStepDetail(this.runId, step)
        .then((detail) => {
          if (generation !== this.generation) return;
          this.entries.set(step, detail);
          this.onLoad();
        })
        .catch(() => {
          // A step that no longer exists (reset elsewhere) is simply not shown.
        })
        .finally(() => {
          if (generation === this.generation) this.pending.delete(step);
        });
    }
  }

  /** A preview of a step that has since run is out of date. */
  forgetPreviewsUpTo(lastStep) {
    for (const [step, detail] of this.entries) {
      if (!detail.applied && step <= lastStep) this.entries.delete(step);
    }
  }

  clear() {
    this.entries.clear();
    this.pending.clear();
    this.generation += 1;
  }
}
