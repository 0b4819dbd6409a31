// Loads the steps a thinned history lacks, a window around the step the timeline is moved to,
// so every panel shows that step's own numbers rather than a neighbour's.

import { getHistoryPage } from "./api.js";

const WINDOW = 500; // Steps read around the one wanted: ← and → then need no request.

export class HistoryLoader {
  constructor(state) {
    this.state = state;
  }

  /** Resolve once step `k` is loaded; at once if it is (or is not a step of the run). */
  async ensure(k) {
    const { state } = this;
    if (!state.missing(k)) return;
    const run = state.run;
    const page = await getHistoryPage(run.id, Math.max(0, k - WINDOW / 2), WINDOW);
    // A reload or reset meanwhile replaced the history: these records may not belong to it.
    if (state.run === run) state.merge(page.records);
  }
}
