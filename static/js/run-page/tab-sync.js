// Tabs of this browser that show the same run keep up with each other. A tab that changes the
// run (a step, streamed steps, a reset) says so on the run's BroadcastChannel, and the others
// take the server's run at once, so that their next action works from the run as it is: Run
// streams on from its last step, Reset counts the steps it keeps from it, a fork and the step
// link name steps it has. Another browser's changes are found as before: when an answer does
// not follow from what the page has, it reloads the run.

import { t } from "../lib/i18n.js";
import { showStatus } from "../lib/status.js";

// While steps stream in, the other tabs are told at most this often (each then reloads the run).
const NEWS_INTERVAL_MS = 500;
// A tab told while an action of its own is under way takes the run once that action is done.
const BUSY_RETRY_MS = 250;

export class TabSync {
  /**
   * The run in `state`. `busy()` says whether an action of this tab is under way; `reload()`
   * takes the server's run (a promise); `moveTo(k)` moves the timeline, loading what it lacks.
   */
  constructor(state, { busy, reload, moveTo, reportError }) {
    this.state = state;
    this.actions = { busy, reload, moveTo, reportError };
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(`stepwise.run.${state.run.id}`) : null;
    this.channel?.addEventListener("message", (event) => this.heard(event.data));
    this.toldAt = -Infinity;
    this.pendingNews = null; // The timer that tells the others the last of a burst of changes.
    this.behind = false; // Another tab changed the run since this one last took it.
    this.resetElsewhere = false;
    this.byOwner = false; // The news came from the store, of the owner's change (a viewer's page).
    this.catchingUp = false;
    this.retry = null;
  }

  /** This tab changed the run: tell the others. A reset is told at once, never merged away. */
  changed({ reset = false } = {}) {
    if (!this.channel) return;
    const wait = this.toldAt + NEWS_INTERVAL_MS - performance.now();
    if (reset || wait <= 0) this.tell(reset);
    else this.pendingNews ??= setTimeout(() => this.tell(false), wait);
  }

  tell(reset) {
    clearTimeout(this.pendingNews);
    this.pendingNews = null;
    this.toldAt = performance.now();
    this.channel.postMessage({ step: this.state.lastStep, reset });
  }

  heard({ step, reset }) {
    if (!reset && step === this.state.lastStep) return; // Already where that tab is.
    this.behind = true;
    this.resetElsewhere ||= reset;
    this.catchUp();
  }

  /** A view-only page found the run changed by its owner (viewer-follow.js): take it too. */
  ownerChanged({ reset }) {
    this.behind = true;
    this.byOwner = true;
    this.resetElsewhere ||= reset;
    this.catchUp();
  }

  /** Take the server's run, keeping the step replayed if the timeline was not at the newest. */
  async catchUp() {
    if (!this.behind || this.catchingUp) return;
    if (this.actions.busy()) {
      // Its own answer may show the run as it is already; the reload after it makes sure.
      this.retry ??= setTimeout(() => {
        this.retry = null;
        this.catchUp();
      }, BUSY_RETRY_MS);
      return;
    }
    const { state } = this;
    const reset = this.resetElsewhere;
    const byOwner = this.byOwner;
    const replayed = state.following ? null : state.position;
    this.behind = false;
    this.resetElsewhere = false;
    this.byOwner = false;
    this.catchingUp = true;
    try {
      await this.actions.reload();
      if (!reset && replayed !== null && replayed <= state.lastStep) this.actions.moveTo(replayed);
      // A diverged run's status says so (reload put it there), and stays.
      if (reset) showStatus(t(byOwner ? "status.reset_by_owner" : "status.reset_elsewhere"));
      else if (!state.diverged) {
        showStatus(t(byOwner ? "status.owner_moved_on" : "status.changed_in_other_tab", { step: state.lastStep }));
      }
    } catch (error) {
      this.actions.reportError(error);
    }
    this.catchingUp = false;
    this.catchUp(); // Told again while it reloaded.
  }
}
