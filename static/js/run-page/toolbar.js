// What the run page shows outside the charts and panels: the toolbar's buttons and readouts,
// the timeline, the share link, the eval result and the narration. Element ids are kept here.

import { $ } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";

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
  exportMenu: () => $("export-menu"),
};

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

export function setShareLink(url) {
  elements.shareLink().value = url;
}

export function showEvalResult(text) {
  elements.evalResult().textContent = text;
}
