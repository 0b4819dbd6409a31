// Everything the page shows outside the charts and panels. Element ids are kept here.

import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export const elements = {
  step: () => $("step-button"),
  run: () => $("run-button"),
  runLength: () => $("run-length"),
  stop: () => $("stop-button"),
  reset: () => $("reset-button"),
  copy: () => $("copy-button"),
  evaluate: () => $("evaluate-button"),
  update: () => $("update-button"),
  shareLink: () => $("share-link"),
  status: () => $("status"),
  timeline: () => $("timeline"),
  timelineBack: () => $("timeline-back"),
  timelineForward: () => $("timeline-forward"),
  graphView: () => $("graph-view"),
  graphNode: () => $("graph-node"),
  graphStepwise: () => $("graph-show-stepwise"),
  graphInitializer: () => $("graph-show-initializer"),
  graphHighlights: () => document.querySelectorAll('input[name="graph-highlight"]'),
  dataTables: () => document.querySelectorAll("details.data-table"),
  evalResult: () => $("evalrun-result"),
  viewOnly: () => $("view-only"),
};

export function readRunData() {
  return JSON.parse($("run-data").textContent);
}

/** The readouts show the step the timeline points at. */
export function renderReadouts(state) {
  const k = state.position;
  const loss = state.lossAt(k);
  const weights = state.weightsAt(k);
  $("readout-step").textContent = String(k);
  $("readout-loss").textContent = loss === null ? t("readout.overflow") : formatNumber(loss);
  $("readout-b").textContent = formatNumber(weights.b);
  $("readout-m").textContent = formatNumber(weights.m);
}

export function renderTimeline(state) {
  const slider = elements.timeline();
  slider.max = String(state.lastStep);
  slider.value = String(state.position);
  slider.setAttribute("aria-valuetext", t("timeline.position", { step: state.position, last: state.lastStep }));
  $("timeline-label").textContent = t("timeline.position", { step: state.position, last: state.lastStep });
  elements.timelineBack().disabled = state.position === 0;
  elements.timelineForward().disabled = state.following;
}

/** Show a message under the controls; kind is "info", "error" or "diverged". */
export function showStatus(text, kind = "info") {
  const status = elements.status();
  status.textContent = text;
  status.dataset.kind = kind;
  status.hidden = text === "";
}

/** Say something to screen readers (the narration region is visually hidden). */
export function narrate(text) {
  $("narration").textContent = text;
}

export function narrateStep(state) {
  const k = state.position;
  const w = state.weightsAt(k);
  narrate(t("narration.step", { step: k, loss: formatNumber(state.lossAt(k)), b: formatNumber(w.b), m: formatNumber(w.m) }));
}

export function divergedMessage(state) {
  return t("status.diverged", { step: state.divergedAt, lr: state.run.config.learning_rate });
}

/** Enable the buttons that make sense now; a viewer may not change the run. */
export function setControls({ busy, diverged, viewOnly = false }) {
  for (const control of [elements.step(), elements.run(), elements.runLength(), elements.update()]) {
    control.disabled = busy || diverged || viewOnly;
  }
  elements.evaluate().disabled = busy || diverged;
  elements.stop().disabled = !busy;
  elements.reset().disabled = busy || viewOnly;
}

/** The banner that tells a viewer whose run this is and what they can do with it. */
export function showViewOnly(viewOnly) {
  elements.viewOnly().hidden = !viewOnly;
}

const LOSS_FORMULAS = {
  l2_loss: "l2_loss(yhat − y) = Σ(yhat − y)² / 2",
  mean_squared_error: "reduce_mean(square(yhat − y)) = Σ(yhat − y)² / n",
};

/** `AdamOptimizer(0.1, beta1=0.9, …)`: the optimizer as the run's code constructs it. */
function optimizerCall(config) {
  const params = Object.entries(config.optimizer_params).map(([name, value]) => {
    const written = typeof value === "boolean" ? (value ? "True" : "False") : String(value);
    return `, ${name}=${written}`;
  });
  return `${config.optimizer_class}(${config.learning_rate}${params.join("")})`;
}

export function renderFacts(run) {
  const config = run.config;
  const points = config.custom_points
    ? t("facts.points_custom", { n: config.num_points })
    : t("facts.points_recipe", { n: config.num_points, seed: config.seed, noise: config.noise });
  const facts = [
    [t("facts.learning_rate"), String(config.learning_rate)],
    [t("facts.points"), points],
    [t("facts.initial"), `b = ${formatNumber(run.initial_weights.b)}, m = ${formatNumber(run.initial_weights.m)}`],
    [t("facts.answer"), `b = ${formatNumber(run.answer.b)}, m = ${formatNumber(run.answer.m)}`],
    [t("facts.loss"), LOSS_FORMULAS[config.loss]],
    [t("facts.batch"), config.batch_size ? t("facts.batch_size", { n: config.batch_size }) : t("facts.full_batch")],
    [t("facts.optimizer"), optimizerCall(config)],
  ];
  $("run-facts").replaceChildren(
    ...facts.flatMap(([term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

export function setShareLink(url) {
  elements.shareLink().value = url;
}

export function showEvalResult(text) {
  elements.evalResult().textContent = text;
}
