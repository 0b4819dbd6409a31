// "What step k did": the update rule with the run's numbers, NumPy's check, and each point's
// share of the gradient. Numbers come from the step's record and GET /steps/{k}.

import { $, element } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { linePieces } from "../model/update-rule-text.js";
import { scheduleFormula } from "../model/schedule-formula.js";
import { ruleInput, ruleLines, sharedLines } from "../model/update-rules.js";

/** A piece of rule text: a string, or a value in a span named for tests and screen readers. */
const shownPiece = (piece) => (typeof piece === "string" ? piece : element("span", { "data-part": piece.part }, piece.text));

/** `b ← 0.0512 − 0.002 × (-3.2017) = 0.0576`, the line of the weight it updates marked. */
function ruleRow(line, weight) {
  const { terms, result } = linePieces(line);
  const shown = result ? shownPiece(result) : element("span", { class: "pending" }, t("detail.pending"));
  const attributes = { class: "rule", "data-target": line.target };
  if (line.target === weight) attributes["data-weight"] = weight;
  return element("p", attributes, element("strong", {}, line.target), " ← ", ...terms.map(shownPiece), " = ", shown);
}

/** `lr₅ = 0.05 × 0.5^⌊4 / 4⌋ = 0.025`: the scheduled rate of the step, as its session computed it. */
function scheduleRow(config, detail) {
  // A constant rate has no row; a scheduled one is drawn once the detail brings its value.
  if (!config.learning_rate_schedule || !detail) return [];
  const formula = scheduleFormula(config, detail.step);
  return [
    element(
      "p",
      { class: "rule", id: "schedule-rule", "data-target": "lr" },
      element("strong", {}, t("detail.schedule_rate", { step: detail.step })),
      ` = ${formula} = `,
      element("span", { "data-part": "lr" }, formatNumber(detail.learning_rate)),
    ),
  ];
}

function renderRule(state, record, detail) {
  const box = $("update-rule");
  const input = ruleInput(state.run.config, record, detail);
  box.dataset.optimizer = input ? input.optimizer : "";
  if (!input) {
    box.replaceChildren(element("p", { class: "loading" }, t(detail ? "detail.overflow" : "detail.loading")));
    return;
  }
  const rows = ["b", "m"].map((weight) =>
    element(
      "div",
      { class: "rule-group", "data-group": weight },
      ...ruleLines(weight, { ...input, gradient: input.gradient[weight] }).map((line) => ruleRow(line, weight)),
    ),
  );
  const shared = sharedLines(input);
  const sharedRows = (lines) => lines.map((line) => ruleRow(line, null));
  const loss = record
    ? t("detail.loss_change", { before: formatNumber(record.loss_before), after: formatNumber(record.loss_after) })
    : t("detail.loss_now", { loss: formatNumber(detail.loss_before) });
  box.replaceChildren(
    element("p", { class: "rule-name" }, t(`optimizer.rule.${input.optimizer}`)),
    ...scheduleRow(state.run.config, detail),
    ...sharedRows(shared.first),
    ...rows,
    ...sharedRows(shared.last),
    element("p", { class: "loss-change" }, loss),
  );
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
  if (detail.learning_rate_schedule) {
    lines.unshift(element("p", { "data-part": "check-rate" }, t("detail.check_rate", { lr: formatNumber(check.learning_rate) })));
  }
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
        p.in_batch ? {} : { class: "outside-batch", title: t("detail.outside_batch") },
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
export function renderStepPanel(state, details) {
  const step = state.explainedStep();
  const record = state.record(step);
  const detail = details.peek(step);
  $("detail-title").textContent = record ? t("detail.title_step", { step }) : t("detail.title_next", { step });
  renderRule(state, record, detail);
  renderCheck(detail);
  renderShares(detail);
  drawRateChart(state.run, Math.max(step, 1));
}

/** The rate chart of a scheduled run; its module is fetched only by pages that have one. */
function drawRateChart(run, step) {
  if (!run.config.learning_rate_schedule) return;
  // Only a picture: a failed fetch leaves it as it was.
  import("./rate-chart.js").then(({ showRateChart }) => showRateChart(run, step)).catch(() => {});
}
