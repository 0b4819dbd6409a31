// A view-only page follows the run as its owner changes it. While the page is shown it asks the
// store every FOLLOW_MS where the run's history ends (GET /history: the last step it knows and
// the one after, read from the store, no session), and takes the server's run when its owner
// stepped or reset it, as a tab does when another tab says so (tab-sync.js). Without it a
// shared link showed the run as it was when opened, its next update still "to come".

import { getHistoryPage } from "../api/client.js";

const FOLLOW_MS = 3000;

const sameRecord = (a, b) =>
  a.weights_after.b === b.weights_after.b && a.weights_after.m === b.weights_after.m && a.loss_after === b.loss_after;

/**
 * What the store's `records` (its history after step lastStep − 1, at most two) say of the run
 * in `state`: "same", "moved_on" (steps after the page's last) or "reset" (the page's last
 * step is gone, or is another step: reset, then stepped as far again).
 */
export function storeNews(state, records) {
  const last = state.lastStep;
  if (last === 0) return records.length ? "moved_on" : "same";
  const [atLast, after] = records;
  if (!atLast || atLast.step !== last) return "reset";
  const shown = state.record(last);
  if (shown && !sameRecord(atLast, shown)) return "reset";
  return after ? "moved_on" : "same";
}

export class ViewerFollow {
  /** The run in `state`, taken through `tabs` (a TabSync) when it changed. */
  constructor(state, tabs) {
    this.state = state;
    this.tabs = tabs;
    this.timer = null;
  }

  start() {
    this.timer = setTimeout(() => this.check(), FOLLOW_MS);
  }

  async check() {
    let gone = false;
    if (document.visibilityState === "visible") {
      const { state } = this;
      const last = state.lastStep;
      try {
        const page = await getHistoryPage(state.run.id, Math.max(last - 1, 0), last === 0 ? 1 : 2);
        const news = storeNews(state, page.records);
        if (news !== "same") this.tabs.ownerChanged({ reset: news === "reset" });
      } catch (error) {
        gone = error?.status === 404; // Deleted: nothing more to follow. Anything else: asked again.
      }
    }
    if (!gone) this.timer = setTimeout(() => this.check(), FOLLOW_MS);
  }
}
