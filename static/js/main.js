// Wires the run page: buttons → API → RunState → charts and readouts.

import { ApiError, getRun, resetRun, stepRun } from "./api.js";
import { renderCharts } from "./charts.js";
import { Player } from "./player.js";
import { RunState } from "./run-state.js";
import {
  divergedMessage,
  elements,
  readRunData,
  renderFacts,
  renderReadouts,
  setControls,
  setShareLink,
  showStatus,
} from "./view.js";

const RUN_STEPS = 50;
const STREAM_INTERVAL_MS = 40; // 50 steps in about two seconds: quick, yet each one visible.

const state = new RunState(readRunData());
let framePending = false;

/** Redraw at most once per animation frame, however fast steps arrive. */
function scheduleRender() {
  if (framePending) return;
  framePending = true;
  requestAnimationFrame(() => {
    framePending = false;
    renderCharts(state);
    renderReadouts(state);
  });
}

function refreshControls() {
  setControls({ streaming: player.playing, diverged: state.diverged });
  if (state.diverged) showStatus(divergedMessage(state), "diverged");
}

function reportError(error) {
  showStatus(error instanceof ApiError ? error.message : String(error), "error");
}

/** Another tab or classmate changed the run: take the server's version. */
async function reload() {
  state.load(await getRun(state.run.id));
  scheduleRender();
  refreshControls();
}

const player = new Player(state.run.id, {
  onStep(event) {
    if (!state.follows(event)) {
      reload().catch(reportError);
      return;
    }
    state.appendEvent(event);
    scheduleRender();
  },
  onEnd(end) {
    if (end.reason === "error") reportError(new ApiError(0, end.detail));
    else if (end.reason === "stopped") showStatus(`Stopped at step ${state.lastStep}.`);
    else if (end.reason === "completed") showStatus(`Ran ${RUN_STEPS} steps; now at step ${end.step}.`);
    refreshControls();
  },
  onError(error) {
    reportError(error);
    refreshControls();
  },
});

async function step() {
  setControls({ streaming: true, diverged: state.diverged });
  try {
    const batch = await stepRun(state.run.id, 1);
    if (batch.records[0].step !== state.lastStep + 1) await reload();
    else state.appendBatch(batch);
    showStatus("");
    scheduleRender();
  } catch (error) {
    reportError(error);
  }
  refreshControls();
}

function run() {
  showStatus(`Running ${RUN_STEPS} steps…`);
  player.play(RUN_STEPS, STREAM_INTERVAL_MS);
  refreshControls();
}

async function reset() {
  try {
    state.load(await resetRun(state.run.id));
    showStatus("Back to step 0: same points, same initial weights.");
    scheduleRender();
  } catch (error) {
    reportError(error);
  }
  refreshControls();
}

async function copyLink() {
  const link = elements.shareLink();
  try {
    await navigator.clipboard.writeText(link.value);
  } catch {
    // Without clipboard permission, select the link so the learner can copy it themselves.
    link.select();
    showStatus("Press Ctrl+C (⌘C) to copy the selected link.");
    return;
  }
  showStatus("Link copied. Anyone who opens it sees this run.");
}

function start() {
  setShareLink(window.location.origin + state.run.url);
  renderFacts(state.run);
  elements.step().addEventListener("click", step);
  elements.run().addEventListener("click", run);
  elements.stop().addEventListener("click", () => player.stop());
  elements.reset().addEventListener("click", reset);
  elements.copy().addEventListener("click", copyLink);
  showStatus("");
  refreshControls();
  renderCharts(state);
  renderReadouts(state);
  document.body.dataset.ready = "true";
}

start();
