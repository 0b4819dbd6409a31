// Loads the steps a thinned history lacks, a window around the step the timeline is moved to,
// so every panel shows that step's own numbers rather than a neighbour's.

import { getHistoryPage } from "./client.js";

const WINDOW = 500; // Steps read around the one wanted: ← and → then need no request.

export class HistoryLoader {
  constructor(state) {
    this.state = state;
    this.loading = null; // One request at a time, however fast the timeline is dragged.
  }

  /** Whether showing step `k` needs steps not loaded yet: k itself, and k + 1 for the
   * surface's arrow of the next update. */
  lacks(k) {
    return this.state.missing(k) || this.state.missing(k + 1);
  }

  /** Resolve once what showing step `k` needs is loaded (at once if it is). */
  async ensure(k) {
    while (this.lacks(k)) {
      if (!this.loading) this.loading = this.load(k).finally(() => (this.loading = null));
      const before = this.state.history.length;
      await this.loading;
      // A window that brought nothing (the run was reset or deleted meanwhile) ends the wait.
      if (this.state.history.length === before && this.lacks(k)) return;
    }
  }

  async load(k) {
    const { state } = this;
    const run = state.run;
    const page = await getHistoryPage(run.id, Math.max(0, k - WINDOW / 2), WINDOW);
    // A reload or reset meanwhile replaced the history: these records may not belong to it.
    if (state.run === run) state.merge(page.records);
  }
}
