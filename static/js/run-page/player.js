// The Player owns "Run 50": one stream of steps at a time, paced so the learner can watch
// them, which Stop ends.

import { stopStreams, streamRun } from "../api/client.js";

// Paced so a run takes about two seconds: each of 50 steps visible; 5,000 as fast as they come.
const RUN_SECONDS = 2;
const MIN_VISIBLE_INTERVAL_MS = 4;
// After Stop, how long the stream is read for the server's `end` event before it is closed
// (a server that cannot be reached, or an old one without Stop, never sends it).
const STOP_WAIT_MS = 3000;

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
    this.stopWait = null;
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

  /**
   * Stop: the server ends the stream before its next step, and its `end` event (reason
   * `stopped`) says the last step stored, so the page ends where the learner pressed Stop.
   * Without that answer in time, the stream is closed and reported stopped, step unknown.
   */
  stop() {
    if (!this.playing || this.stopWait !== null) return;
    const giveUp = () => this.finish(() => this.handlers.onEnd({ reason: "stopped" }));
    this.stopWait = setTimeout(giveUp, STOP_WAIT_MS);
    stopStreams(this.runId).catch(giveUp);
  }

  finish(report) {
    if (!this.playing) return; // Ended already (the end event and the wait may both come).
    clearTimeout(this.stopWait);
    this.stopWait = null;
    this.stopStream();
    this.stopStream = null;
    report();
  }
}
