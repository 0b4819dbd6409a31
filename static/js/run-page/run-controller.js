// The run page's actions: Step, Run, Stop, Reset, Evaluate and moves along the timeline, each
// through the API into RunState, then to every panel at the step the timeline shows.

import { ApiError, evaluateRun, forkRun, getRun, resetRun, stepRun } from "../api/client.js";
import { HistoryLoader } from "../api/history-loader.js";
import { DetailCache } from "../api/step-detail-cache.js";
import { Experiment } from "../experiment/experiment.js";
import { formatCount, formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { whenNearScreen } from "../lib/near-screen.js";
import { showStatus } from "../lib/status.js";
import { rememberRun } from "../model/recent-runs.js";
import { highlightCode } from "./code-listing.js";
import { GraphPanel } from "./graph-panel.js";
import { LessonPanel } from "./lesson-panel.js";
import { Panels } from "./panels.js";
import { Player } from "./player.js";
import { ResetDialog, showKept } from "./reset-dialog.js";
import { renderFacts } from "./run-facts.js";
import { StepLink } from "./step-link.js";
import { TabSync } from "./tab-sync.js";
import { ViewerFollow } from "./viewer-follow.js";
import {
  divergedMessage,
  elements,
  narrate,
  narrateStep,
  renderReadouts,
  setControls,
  setShareLink,
  showEvalResult,
  showViewOnly,
} from "./toolbar.js";

const STOP_SETTLE_MS = 250; // Time for the server to store the step it was computing at Stop.

export class RunController {
  /** The run in `state` (a RunState), and the page's own state (a PageState). */
  constructor(state, page) {
    this.state = state;
    this.page = page;
    this.details = new DetailCache(state.run.id, () => this.scheduleRender());
    this.graph = new GraphPanel(elements.graphView(), elements.graphNode(), state.run.id);
    this.stepLink = new StepLink(state);
    const reportError = (error) => this.reportError(error);
    const drawChartNow = (id) => this.panels.drawChartNow(id);
    this.experiment = new Experiment(state, this.details, page, { reportError, drawChartNow });
    this.historyLoader = new HistoryLoader(state);
    this.panels = new Panels(state, page, this.details, {
      alongside: [this.stepLink, this.experiment, { render: () => this.lesson.render() }],
      playing: () => this.player.playing,
      reportError,
    });
    this.resetDialog = new ResetDialog();
    this.lesson = new LessonPanel(this);
    this.player = new Player(state.run.id, {
      onStep: (event) => this.streamed(event),
      onEnd: (end) => this.streamEnded(end),
      onError: (error) => {
        this.reportError(error);
        this.refreshControls();
      },
    });
    this.tabs = new TabSync(state, {
      busy: () => page.busy || this.player.playing,
      reload: () => this.reload(),
      moveTo: (k) => this.moveTo(k),
      reportError,
    });
  }

  /** Redraw what changed, spread over animation frames, however fast steps arrive. */
  scheduleRender() {
    this.panels.schedule();
  }

  runLength() {
    return Number(elements.runLength().value);
  }

  refreshControls() {
    const { state, page } = this;
    setControls({ busy: page.busy || this.player.playing, diverged: state.diverged, viewOnly: page.viewOnly });
    showViewOnly(page.viewOnly);
    if (state.diverged) showStatus(divergedMessage(state), "diverged");
  }

  reportError(error) {
    showStatus(error instanceof Error ? error.message : String(error), "error");
    // The server says this browser may not change the run (its token is gone or wrong):
    // keep its message in view and offer what a viewer can do.
    if (error instanceof ApiError && error.status === 403 && !this.page.viewOnly) {
      this.page.viewOnly = true;
      this.refreshControls();
    }
  }

  /** Another tab or classmate changed the run: take the server's version. */
  async reload() {
    this.state.load(await getRun(this.state.run.id));
    this.details.clear();
    this.scheduleRender();
    this.refreshControls();
  }

  appended() {
    this.details.forgetPreviewsUpTo(this.state.lastStep);
    this.scheduleRender();
    this.tabs.changed();
  }

  streamed(event) {
    if (!this.state.follows(event)) {
      this.reload().catch((error) => this.reportError(error));
      return;
    }
    this.state.appendEvent(event);
    // The readouts at once, the rest over the next frames: the step the learner reads is the
    // step the page has, so Stop ends where they pressed it.
    renderReadouts(this.state);
    this.appended();
  }

  streamEnded(end) {
    const { state } = this;
    if (end.reason === "stopped") {
      if ("step" in end) this.stoppedAt(end.step);
      else this.stopped();
      return;
    }
    if (end.reason === "reset") {
      this.reload().then(
        () => showStatus(t("status.reset_elsewhere")),
        (error) => this.reportError(error),
      );
    } else if (end.reason === "error") this.reportError(new ApiError(0, end.detail, end.code, end.params));
    else if (end.reason === "busy" || end.reason === "shutdown") showStatus(t(`status.stream_${end.reason}`, { step: end.step ?? state.lastStep }), "error");
    else if (end.reason === "completed") showStatus(t("status.ran", { n: formatCount(this.runLength()), step: end.step }));
    narrateStep(state);
    this.refreshControls();
    this.scheduleRender();
  }

  /** The server stopped the stream after step `step` (null: before any) and said so. */
  stoppedAt(step) {
    const shown = () => {
      showStatus(t("status.stopped", { step: this.state.lastStep }));
      narrateStep(this.state);
      this.refreshControls();
      this.scheduleRender();
    };
    // Every step the stream sent came before its end; only a run changed elsewhere differs.
    if (step === null || step === this.state.lastStep) shown();
    else this.reload().then(shown, (error) => this.reportError(error));
  }

  /**
   * Stopped without the server's word (it could not be asked in time): the server finishes the
   * step in progress once it notices, and steps already sent may still have been waiting in
   * the browser, so take the server's history after a moment.
   */
  stopped() {
    this.page.busy = true;
    this.refreshControls();
    setTimeout(() => {
      this.reload()
        .then(
          () => {
            showStatus(t("status.stopped", { step: this.state.lastStep }));
            narrateStep(this.state);
          },
          (error) => this.reportError(error),
        )
        .finally(() => {
          this.page.busy = false;
          this.refreshControls();
        });
    }, STOP_SETTLE_MS);
  }

  showAction(action) {
    highlightCode(action === "reset" ? "init" : action);
    if (action !== "reset") this.graph.setHighlight(action);
  }

  async step() {
    const { state, page } = this;
    if (page.busy || this.player.playing || state.diverged || page.viewOnly) return;
    page.busy = true;
    this.refreshControls();
    try {
      const batch = await stepRun(state.run.id, 1);
      const record = batch.records[0];
      if (!state.follows(record)) {
        await this.reload();
      } else {
        state.appendBatch(batch);
        state.moveTo(state.lastStep);
        this.appended();
      }
      showStatus("");
      this.showAction("step");
      showEvalResult(
        t("evalrun.result_update", {
          b0: formatNumber(record.weights_before.b),
          b1: formatNumber(record.weights_after.b),
          m0: formatNumber(record.weights_before.m),
          m1: formatNumber(record.weights_after.m),
          s0: record.step - 1,
          s1: record.step,
          l0: formatNumber(record.loss_before),
          l1: formatNumber(record.loss_after),
        }),
      );
      narrateStep(state);
    } catch (error) {
      this.reportError(error);
    }
    page.busy = false;
    this.refreshControls();
  }

  /**
   * Read the session's loss and weights, as `loss.eval()` does; the timeline stays where it is.
   * Returns {reading, movedOn} (movedOn: the page took the server's newer run first), or null.
   */
  async evaluate() {
    if (this.page.busy || this.player.playing) return null;
    try {
      const reading = await evaluateRun(this.state.run.id);
      // The run moved on since this page last heard of it (its owner, or another tab, stepped
      // or reset it): take the server's run first, so the page shows what was read.
      const movedOn = reading.step !== this.state.lastStep;
      if (movedOn) await this.reload();
      this.showAction("evaluate");
      const values = {
        loss: formatNumber(reading.loss),
        b: formatNumber(reading.weights.b),
        m: formatNumber(reading.weights.m),
        step: reading.step,
      };
      const text = t(movedOn ? "evalrun.result_moved_on" : "evalrun.result_evaluate", values);
      showEvalResult(text);
      narrate(text);
      this.scheduleRender();
      return { reading, movedOn };
    } catch (error) {
      this.reportError(error);
      return null;
    }
  }

  /** Run `steps` steps (the run-length menu's choice unless given), streamed as they happen. */
  run(steps = this.runLength()) {
    const { state, page } = this;
    if (page.busy || this.player.playing || state.diverged || page.viewOnly) return;
    state.moveTo(state.lastStep);
    showStatus(t("status.running", { n: formatCount(steps) }));
    showEvalResult("");
    this.showAction("step");
    this.player.play(steps);
    this.refreshControls();
  }

  togglePlay() {
    if (this.player.playing) this.player.stop();
    else this.run();
  }

  /** The steps a fork can keep: all of them, or those before a step that overflowed. */
  keepableSteps() {
    const { state } = this;
    return state.diverged ? state.divergedAt - 1 : state.lastStep;
  }

  /**
   * Back to step 0, asking first when there are steps. They are kept: the run is forked at its
   * last step that has a state (the fork's token kept like any fork's), then reset, and the
   * page links the fork. If the fork fails, nothing is reset.
   */
  async reset() {
    const { state, page } = this;
    if (page.busy || this.player.playing || page.viewOnly) return;
    let kept = this.keepableSteps();
    while (state.lastStep > 0) {
      if (!(await this.resetDialog.ask(kept))) {
        elements.reset().focus();
        return;
      }
      if (this.keepableSteps() === kept) break;
      kept = this.keepableSteps(); // Another tab changed the run while it asked: ask again.
    }
    if (page.busy || this.player.playing) return; // Something started while it asked.
    page.busy = true;
    this.refreshControls();
    try {
      const fork = kept > 0 ? await forkRun(state.run.id, kept) : null;
      if (fork) rememberRun(fork); // Listed among the runs this browser opened (compare page).
      state.load(await resetRun(state.run.id));
      this.tabs.changed({ reset: true });
      this.details.clear();
      showStatus(t("status.reset"));
      if (fork) showKept(fork, kept);
      this.showAction("reset");
      showEvalResult("");
      narrateStep(state);
      this.scheduleRender();
    } catch (error) {
      this.reportError(error);
    }
    page.busy = false;
    this.refreshControls();
    elements.reset().focus(); // Where the dialog was opened from.
  }

  /**
   * Move the timeline; a message about the newest step no longer describes what is shown.
   * A step a thinned history lacks is loaded first, so no panel shows another step's numbers.
   */
  moveTo(k) {
    this.page.timelineTarget = k;
    if (!this.historyLoader.lacks(k)) {
      this.show(k);
      return;
    }
    this.historyLoader.ensure(k).then(
      () => {
        // Only the latest move counts; a step that never came (the run was reset) is not shown.
        if (this.page.timelineTarget === k) this.show(this.state.missing(k) ? this.state.lastStep : k);
      },
      (error) => this.reportError(error),
    );
  }

  show(k) {
    this.state.moveTo(k);
    if (!this.state.diverged) showStatus("");
    this.scheduleRender();
  }

  move(delta) {
    this.moveTo(this.state.position + delta);
    narrateStep(this.state);
  }

  async copyLink() {
    const link = elements.shareLink();
    try {
      await navigator.clipboard.writeText(link.value);
    } catch {
      // Without clipboard permission, select the link so the learner can copy it themselves.
      link.select();
      showStatus(t("status.copy_manual"));
      return;
    }
    showStatus(t("status.copied"));
  }

  /** The first paint, at the step the address asks for, once the controls are wired. */
  async start() {
    const { state } = this;
    setShareLink(window.location.origin + state.run.url);
    renderFacts(state.run);
    showStatus("");
    this.refreshControls();
    const problem = this.stepLink.open(); // Moves to ?step=k, so before the first paint.
    if (problem) showStatus(problem);
    this.experiment.start();
    this.lesson.start();
    await this.historyLoader.ensure(state.position).catch((error) => this.reportError(error));
    // The step asked for never came (the run was reset or deleted meanwhile): show the newest.
    if (state.missing(state.position)) state.moveTo(state.lastStep);
    this.panels.drawAll();
    // The graph is laid out once it comes near the screen: it fetches and runs a layout library.
    whenNearScreen(elements.graphView(), () => this.graph.load().catch((error) => this.reportError(error)));
    rememberRun(state.run);
    // An owner's own tabs tell one another; a viewer learns of the owner's changes from the store.
    if (this.page.viewOnly) new ViewerFollow(state, this.tabs).start();
    document.body.dataset.ready = "true";
  }
}
