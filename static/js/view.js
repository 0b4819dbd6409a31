// Everything the page shows outside the charts. Element ids are kept here, in one place.

import { formatNumber } from "./format.js";

const $ = (id) => document.getElementById(id);

export const elements = {
  step: () => $("step-button"),
  run: () => $("run-button"),
  stop: () => $("stop-button"),
  reset: () => $("reset-button"),
  copy: () => $("copy-button"),
  shareLink: () => $("share-link"),
  status: () => $("status"),
};

export function readRunData() {
  return JSON.parse($("run-data").textContent);
}

export function renderReadouts(state) {
  const current = state.current;
  $("readout-step").textContent = String(current ? current.step : state.lastStep);
  $("readout-loss").textContent = current ? formatNumber(current.loss) : "overflow";
  const weights = current ? current.weights : { b: null, m: null };
  $("readout-b").textContent = formatNumber(weights.b);
  $("readout-m").textContent = formatNumber(weights.m);
}

/** Show a message under the controls; kind is "info", "error" or "diverged". */
export function showStatus(text, kind = "info") {
  const status = elements.status();
  status.textContent = text;
  status.dataset.kind = kind;
  status.hidden = text === "";
}

export function divergedMessage(state) {
  return (
    `This run diverged at step ${state.divergedAt}: the loss overflowed to infinity, because the ` +
    `learning rate ${state.run.config.learning_rate} is too large for these points. ` +
    "Press Reset to start over, or start a new run with a smaller learning rate."
  );
}

/** Enable the buttons that make sense now. */
export function setControls({ streaming, diverged }) {
  elements.step().disabled = streaming || diverged;
  elements.run().disabled = streaming || diverged;
  elements.stop().disabled = !streaming;
  elements.reset().disabled = streaming;
}

export function renderFacts(run) {
  const config = run.config;
  const facts = [
    ["Learning rate", String(config.learning_rate)],
    ["Points", config.custom_points ? `${config.num_points}, given by hand` : `${config.num_points}, seed ${config.seed}, noise ${config.noise}`],
    ["Initial weights", `b = ${formatNumber(run.initial_weights.b)}, m = ${formatNumber(run.initial_weights.m)}`],
    ["Closed-form answer (polyfit)", `b = ${formatNumber(run.answer.b)}, m = ${formatNumber(run.answer.m)}`],
    ["Loss", "l2_loss(yhat − y) = Σ(yhat − y)² / 2"],
    ["Optimizer", `GradientDescentOptimizer(${config.learning_rate})`],
  ];
  const list = $("run-facts");
  list.replaceChildren(
    ...facts.flatMap(([term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }),
  );
  $("lede-lr").textContent = String(config.learning_rate);
}

export function setShareLink(url) {
  elements.shareLink().value = url;
}
