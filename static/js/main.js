// Wires the run page: actions → API → RunState → every panel, at the step the timeline shows.

import { ApiError, evaluateRun, getRun, resetRun, stepRun } from "./api.js";
import { CHART_IDS, predictionsAt, renderChart } from "./charts.js";
import { highlightCode } from "./code-listing.js";
import { renderDetail } from "./detail.js";
import { renderDivergence } from "./divergence.js";
import { DetailCache } from "./details.js";
import { Experiment } from "./experiment.js";
import { formatNumber } from "./format.js";
import { FrameScheduler } from "./frames.js";
import { GraphView } from "./graph-view.js";
import { HistoryLoader } from "./history-loader.js";
import { t } from "./i18n.js";
import { installShortcuts } from "./keyboard.js";
import { adoptOwnerFragment, mayChange } from "./owners.js";
import { Player } from "./player.js";
import { rememberRun } from "./recent-runs.js";
import { RunState } from "./run-state.js";
import { SurfaceChart } from "./surface.js";
import { renderTables } from "./tables.js";
import {
  divergedMessage,
  elements,
  narrate,
  narrateStep,
  readRunData,
  renderFacts,
  renderReadouts,
  renderTimeline,
  setControls,
  setShareLink,
  showEvalResult,
  showStatus,
  showViewOnly,
} from "./view.js";

// Paced so a run takes about two seconds: each of 50 steps visible; 5,000 as fast as they come.
const RUN_SECONDS = 2;
const MIN_VISIBLE_INTERVAL_MS = 4;
const SETTLE_MS = 150; // Ask the server for explanations once the timeline stops moving.
const STOP_SETTLE_MS = 250; // Time for the server to store the step it was computing at Stop.
// While steps stream in, charts are redrawn at most this often (the contour plot, the
// costliest, least often); the readouts follow every frame.
const CHART_INTERVAL_WHILE_PLAYING_MS = 100;
const SURFACE_INTERVAL_WHILE_PLAYING_MS = 500;

const state = new RunState(readRunData());
adoptOwnerFragment(state.run.id); // Before anything asks whether this browser owns the run.
// A viewer replays, exports, compares and forks; only the run's owner changes it.
let viewOnly = !mayChange(state.run);
const details = new DetailCache(state.run.id, scheduleRender);
const surface = new SurfaceChart("surface-chart", state.run.id, scheduleRender);
const graph = new GraphView(elements.graphView(), elements.graphNode(), state.run.id);
const experiment = new Experiment(state, details, { reportError });
const historyLoader = new HistoryLoader(state);
let timelineTarget = null; // The step the timeline was last moved to, while it loads.
let settleTimer = null;
let busy = false;

function runLength() {
  return Number(elements.runLength().value);
}

/** 5000 as the menu writes it: 5,000. */
const formatCount = (n) => n.toLocaleString("en-US");

function streamInterval(steps) {
  const interval = (RUN_SECONDS * 1000) / steps;
  return interval < MIN_VISIBLE_INTERVAL_MS ? 0 : Math.round(interval);
}

function renderText() {
  renderReadouts(state);
  renderTimeline(state);
  experiment.render();
  renderDetail(state, details);
  renderDivergence(state);
  renderTables(state, predictionsAt(state, details, state.position));
}

const chartParts = CHART_IDS.map((id) => () => renderChart(id, state, details));
const surfacePart = () => surface.render(state, details);
const frames = new FrameScheduler([renderText, ...chartParts, surfacePart], {
  minIntervals: new Map([
    ...chartParts.map((part) => [part, CHART_INTERVAL_WHILE_PLAYING_MS]),
    [surfacePart, SURFACE_INTERVAL_WHILE_PLAYING_MS],
  ]),
  throttled: () => player.playing,
  onSettled: requestExplanations,
});

/** Redraw what changed, spread over animation frames, however fast steps arrive. */
function scheduleRender() {
  frames.schedule();
}

/** Fetch what the shown step needs from the session, once steps stop streaming in. */
function requestExplanations() {
  if (player.playing) return;
  clearTimeout(settleTimer);
  settleTimer = setTimeout(() => {
    if (player.playing) return;
    const k = state.position;
    const next = state.lastStep + 1;
    const wanted = [state.explainedStep(k), k + 1].filter((j) => j < next || (j === next && !state.diverged));
    details.want(wanted);
    surface.want(state);
  }, SETTLE_MS);
}

function refreshControls() {
  setControls({ busy: busy || player.playing, diverged: state.diverged, viewOnly });
  showViewOnly(viewOnly);
  if (state.diverged) showStatus(divergedMessage(state), "diverged");
}

function reportError(error) {
  showStatus(error instanceof ApiError ? error.message : String(error), "error");
  // The server says this browser may not change the run (its token is gone or wrong):
  // keep its message in view and offer what a viewer can do.
  if (error instanceof ApiError && error.status === 403 && !viewOnly) {
    viewOnly = true;
    refreshControls();
  }
}

/** Another tab or classmate changed the run: take the server's version. */
async function reload() {
  state.load(await getRun(state.run.id));
  details.clear();
  scheduleRender();
  refreshControls();
}

function appended() {
  details.forgetPreviewsUpTo(state.lastStep);
  scheduleRender();
}

const player = new Player(state.run.id, {
  onStep(event) {
    if (!state.follows(event)) {
      reload().catch(reportError);
      return;
    }
    state.appendEvent(event);
    appended();
  },
  onEnd(end) {
    if (end.reason === "stopped") {
      stopped();
      return;
    }
    if (end.reason === "reset") reload().then(() => showStatus(t("status.reset_elsewhere")), reportError);
    else if (end.reason === "error") reportError(new ApiError(0, end.detail));
    else if (end.reason === "busy" || end.reason === "shutdown") showStatus(t(`status.stream_${end.reason}`, { step: end.step ?? state.lastStep }), "error");
    else if (end.reason === "completed") showStatus(t("status.ran", { n: formatCount(runLength()), step: end.step }));
    narrateStep(state);
    refreshControls();
    scheduleRender();
  },
  onError(error) {
    reportError(error);
    refreshControls();
  },
});

/**
 * After Stop, the server finishes the step in progress, and steps already sent may still have
 * been waiting in the browser: take the server's history so the page shows what it stored.
 */
function stopped() {
  busy = true;
  refreshControls();
  setTimeout(() => {
    reload()
      .then(() => {
        showStatus(t("status.stopped", { step: state.lastStep }));
        narrateStep(state);
      }, reportError)
      .finally(() => {
        busy = false;
        refreshControls();
      });
  }, STOP_SETTLE_MS);
}

function showAction(action) {
  highlightCode(action === "reset" ? "init" : action);
  if (action !== "reset") graph.setHighlight(action);
}

async function step() {
  if (busy || player.playing || state.diverged || viewOnly) return;
  busy = true;
  refreshControls();
  try {
    const batch = await stepRun(state.run.id, 1);
    const record = batch.records[0];
    if (!state.follows(record)) {
      await reload();
    } else {
      state.appendBatch(batch);
      state.moveTo(state.lastStep);
      appended();
    }
    showStatus("");
    showAction("step");
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
    reportError(error);
  }
  busy = false;
  refreshControls();
}

async function evaluate() {
  if (busy || player.playing) return;
  try {
    const reading = await evaluateRun(state.run.id);
    state.moveTo(state.lastStep); // The session holds the last step's weights.
    showAction("evaluate");
    const text = t("evalrun.result_evaluate", {
      loss: formatNumber(reading.loss),
      b: formatNumber(reading.weights.b),
      m: formatNumber(reading.weights.m),
      step: reading.step,
    });
    showEvalResult(text);
    narrate(text);
    scheduleRender();
  } catch (error) {
    reportError(error);
  }
}

function run() {
  if (busy || player.playing || state.diverged || viewOnly) return;
  state.moveTo(state.lastStep);
  const steps = runLength();
  showStatus(t("status.running", { n: formatCount(steps) }));
  showEvalResult("");
  showAction("step");
  player.play(steps, streamInterval(steps));
  refreshControls();
}

function togglePlay() {
  if (player.playing) player.stop();
  else run();
}

async function reset() {
  if (busy || player.playing || viewOnly) return;
  try {
    state.load(await resetRun(state.run.id));
    details.clear();
    showStatus(t("status.reset"));
    showAction("reset");
    showEvalResult("");
    narrateStep(state);
    scheduleRender();
  } catch (error) {
    reportError(error);
  }
  refreshControls();
}

/**
 * Move the timeline; a message about the newest step no longer describes what is shown.
 * A step a thinned history lacks is loaded first, so no panel shows another step's numbers.
 */
function moveTo(k) {
  timelineTarget = k;
  if (!historyLoader.lacks(k)) {
    show(k);
    return;
  }
  historyLoader.ensure(k).then(() => {
    // Only the latest move counts; a step that never came (the run was reset) is not shown.
    if (timelineTarget === k) show(state.missing(k) ? state.lastStep : k);
  }, reportError);
}

function show(k) {
  state.moveTo(k);
  if (!state.diverged) showStatus("");
  scheduleRender();
}

function move(delta) {
  moveTo(state.position + delta);
  narrateStep(state);
}

async function copyLink() {
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

function wire() {
  elements.step().addEventListener("click", step);
  elements.update().addEventListener("click", step);
  elements.run().addEventListener("click", run);
  elements.runLength().addEventListener("change", () => {
    elements.run().textContent = t("toolbar.run", { n: formatCount(runLength()) });
  });
  elements.stop().addEventListener("click", () => player.stop());
  elements.reset().addEventListener("click", reset);
  elements.evaluate().addEventListener("click", evaluate);
  elements.copy().addEventListener("click", copyLink);
  elements.timeline().addEventListener("input", (event) => moveTo(Number(event.target.value)));
  elements.timeline().addEventListener("change", () => narrateStep(state));
  elements.timelineBack().addEventListener("click", () => move(-1));
  elements.timelineForward().addEventListener("click", () => move(1));
  for (const radio of elements.graphHighlights()) {
    radio.addEventListener("change", () => graph.setHighlight(radio.value));
  }
  elements.graphStepwise().addEventListener("change", (event) => graph.setShowStepwise(event.target.checked));
  elements.graphInitializer().addEventListener("change", (event) => graph.setShowInitializer(event.target.checked));
  for (const table of elements.dataTables()) table.addEventListener("toggle", scheduleRender);
  installShortcuts({ step, run, togglePlay, move });
}

async function start() {
  setShareLink(window.location.origin + state.run.url);
  renderFacts(state.run);
  wire();
  showStatus("");
  refreshControls();
  experiment.start(); // Moves to ?step=k, so before the first paint.
  await historyLoader.ensure(state.position).catch(reportError);
  // The step asked for never came (the run was reset or deleted meanwhile): show the newest.
  if (state.missing(state.position)) state.moveTo(state.lastStep);
  frames.drawAll();
  graph.load().catch(reportError);
  rememberRun(state.run);
  document.body.dataset.ready = "true";
}

start();
