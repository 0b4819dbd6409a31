// "What step k did": the update rule with the run's numbers, NumPy's check, and each point's
// share of the gradient. Numbers come from the step's record and GET /steps/{k}.

import { formatNumber } from "./format.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const part = (name, value) => element("span", { "data-part": name }, formatNumber(value));
const signed = (name, value) =>
  value !== null && value < 0 ? ["(", part(name, value), ")"] : [part(name, value)];

/** `b ← 0.0512 − 0.002 × (−3.2017) = 0.0576`, each number in a span named for tests. */
function ruleRow(weight, before, learningRate, gradient, after) {
  const result = after === undefined ? element("span", { class: "pending" }, t("detail.pending")) : part("after", after);
  return element(
    "p",
    { class: "rule", "data-weight": weight },
    element("strong", {}, weight),
    " ← ",
    part("before", before),
    " − ",
    element("span", { "data-part": "lr" }, String(learningRate)),
    " × ",
    ...signed("gradient", gradient),
    " = ",
    result,
  );
}

function renderRule(state, step, record, detail) {
  const box = $("update-rule");
  const lr = state.run.config.learning_rate;
  if (record) {
    box.replaceChildren(
      ruleRow("b", record.weights_before.b, lr, record.gradient.b, record.weights_after.b),
      ruleRow("m", record.weights_before.m, lr, record.gradient.m, record.weights_after.m),
      element(
        "p",
        { class: "loss-change" },
        t("detail.loss_change", { before: formatNumber(record.loss_before), after: formatNumber(record.loss_after) }),
      ),
    );
  } else if (detail && detail.gradient) {
    box.replaceChildren(
      ruleRow("b", detail.weights_before.b, lr, detail.gradient.b),
      ruleRow("m", detail.weights_before.m, lr, detail.gradient.m),
      element("p", { class: "loss-change" }, t("detail.loss_now", { loss: formatNumber(detail.loss_before) })),
    );
  } else {
    box.replaceChildren(element("p", { class: "loading" }, t("detail.loading")));
  }
}

function renderCheck(detail) {
  const box = $("numpy-check");
  if (!detail) {
    box.replaceChildren(element("p", { class: "loading" }, t("detail.loading")));
    return;
  }
  const check = detail.check;
  if (!check) {
    box.replaceChildren(element("p", {}, t("detail.overflow")));
    return;
  }
  const lines = [
    element("p", {}, t("detail.check_gradient", { b: formatNumber(check.gradient.b), m: formatNumber(check.gradient.m) })),
  ];
  if (check.weights_after) {
    lines.push(
      element("p", {}, t("detail.check_update", { b: formatNumber(check.weights_after.b), m: formatNumber(check.weights_after.m) })),
    );
  }
  lines.push(
    element(
      "p",
      { class: "difference", "data-part": "difference" },
      t(check.within_float32_rounding ? "detail.check_difference" : "detail.check_difference_large", {
        abs: formatNumber(check.max_abs_difference),
        rel: formatNumber(check.max_rel_difference),
      }),
    ),
  );
  box.replaceChildren(...lines);
}

function renderShares(detail) {
  const table = $("shares-table");
  if (!detail || !detail.points.length) {
    table.replaceChildren();
    return;
  }
  const headings = ["table.x", "table.y", "table.yhat", "table.residual", "table.share_b", "table.share_m"];
  const head = element("thead", {}, element("tr", {}, ...headings.map((key) => element("th", { scope: "col" }, t(key)))));
  const body = element(
    "tbody",
    {},
    ...detail.points.map((p) =>
      element(
        "tr",
        {},
        ...[p.x, p.y, p.prediction, p.residual, p.contribution_b, p.contribution_m].map((v) =>
          element("td", {}, formatNumber(v)),
        ),
      ),
    ),
  );
  const gradient = detail.gradient || { b: null, m: null };
  const foot = element(
    "tfoot",
    {},
    element(
      "tr",
      {},
      element("th", { scope: "row", colspan: "4" }, t("table.total")),
      element("td", { "data-part": "total-b" }, formatNumber(gradient.b)),
      element("td", { "data-part": "total-m" }, formatNumber(gradient.m)),
    ),
  );
  table.replaceChildren(head, body, foot);
}

/** Explain the step the timeline points at (step k, or the first update at k = 0). */
export function renderDetail(state, details) {
  const step = state.explainedStep();
  const record = state.record(step);
  const detail = details.peek(step);
  $("detail-title").textContent = record ? t("detail.title_step", { step }) : t("detail.title_next", { step });
  renderRule(state, step, record, detail);
  renderCheck(detail);
  renderShares(detail);
}
