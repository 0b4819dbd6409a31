// The Player owns "Run 50": one stream of steps at a time, paced so the learner can watch
// them, which Stop ends.

import { streamRun } from "../api/client.js";

// Paced so a run takes about two seconds: each of 50 steps visible; 5,000 as fast as they come.
const RUN_SECONDS = 2;
const MIN_VISIBLE_INTERVAL_MS = 4;

/** The pause between the steps of a run of `steps` (ms); 0 when it would be too short to see. */
export function streamInterval(steps) {
  const interval = (RUN_SECONDS * 1000) / steps;
  return interval < MIN_VISIBLE_INTERVAL_MS ? 0 : Math.round(interval);
}

export class Player {
  constructor(runId, { onStep, onEnd, onError }) {
    this.runId = runId;
    this.handlers = { onStep, onEnd, onError };
    this.stopStream = null;
  }

  get playing() {
    return this.stopStream !== null;
  }

  /** Stream `steps` steps. */
  play(steps) {
    if (this.playing) return;
    this.stopStream = streamRun(this.runId, steps, streamInterval(steps), {
      onStep: this.handlers.onStep,
      onEnd: (end) => this.finish(() => this.handlers.onEnd(end)),
      onError: (error) => this.finish(() => this.handlers.onError(error)),
    });
  }

  /** Stop streaming; the server stops computing when the connection closes. */
  stop() {
    if (!this.playing) return;
    this.finish(() => this.handlers.onEnd({ reason: "stopped" }));
  }

  finish(report) {
    if (this.stopStream) this.stopStream();
    this.stopStream = null;
    report();
  }
}
