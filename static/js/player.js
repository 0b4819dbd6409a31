// The Player owns "Run 50": one stream of steps at a time, which Stop ends.

import { streamRun } from "./api.js";

export class Player {
  constructor(runId, { onStep, onEnd, onError }) {
    this.runId = runId;
    this.handlers = { onStep, onEnd, onError };
    this.stopStream = null;
  }

  get playing() {
    return this.stopStream !== null;
  }

  /** Stream `steps` steps, paced `intervalMs` apart so the learner can watch them. */
  play(steps, intervalMs) {
    if (this.playing) return;
    this.stopStream = streamRun(this.runId, steps, intervalMs, {
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
