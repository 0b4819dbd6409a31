// The Player owns "Run 50": one stream of steps at a time, paced so the learner can watch
// them, which Stop ends where the learner sees it.
//
// A page busy drawing (Plotly's first frames took up to 220 ms) reads streamed steps late, and
// the server, pacing alone, ran that far ahead of what the page showed: Stop pressed at step 5
// ended at 12. So a paced stream waits for the page: the Player tells the server each step it
// shows, and the server computes the next only then. Stop stops those words at once, so the
// run ends at most one step past the one the learner saw, however late Stop reaches the server.

import { newStreamId, stopStreams, streamRun, tellShown } from "../api/client.js";

// Paced so a run takes about two seconds: each of 50 steps visible; 5,000 as fast as they come.
// A run paced at a screen frame or slower (Run 50) goes no faster than the page shows its
// steps: a busy page makes it take longer. Faster than a frame (Run 500, 4 ms a step) the
// learner cannot see each step anyway, and waiting for the page made it ten times slower: it
// runs like Run 5,000, and Stop shows the step the server says it got to.
const RUN_SECONDS = 2;
const MIN_VISIBLE_INTERVAL_MS = 4;
const FRAME_MS = 1000 / 60;
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
    this.stream = null; // The id of the stream playing.
    this.stopStream = null;
    this.stopWait = null;
  }

  get playing() {
    return this.stopStream !== null;
  }

  /** Stream `steps` steps. */
  play(steps) {
    if (this.playing) return;
    const intervalMs = streamInterval(steps);
    // Otherwise the server says at the end how far it got, and the page shows that step.
    const waitForPage = intervalMs >= FRAME_MS;
    const stream = newStreamId();
    this.stream = stream;
    const handlers = {
      onStep: (event) => {
        this.handlers.onStep(event); // Shown: the readouts are drawn as each step arrives.
        if (waitForPage && this.stopWait === null) this.shown(stream, event.step);
      },
      onEnd: (end) => this.finish(() => this.handlers.onEnd(end)),
      onError: (error) => this.finish(() => this.handlers.onError(error)),
    };
    this.stopStream = streamRun(this.runId, steps, intervalMs, handlers, { stream, waitForPage });
  }

  /** Tell the stream the page shows `step`. If that fails, the stream would wait for ever: end it. */
  shown(stream, step) {
    tellShown(this.runId, stream, step).catch((error) => {
      if (this.stream !== stream) return; // That stream has ended already.
      stopStreams(this.runId, stream).catch(() => {}); // It may have failed for the same reason.
      this.finish(() => this.handlers.onError(error));
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
    stopStreams(this.runId, this.stream).catch(giveUp);
  }

  finish(report) {
    if (!this.playing) return; // Ended already (the end event and the wait may both come).
    clearTimeout(this.stopWait);
    this.stopWait = null;
    this.stopStream();
    this.stopStream = null;
    this.stream = null;
    report();
  }
}
