// "This run": its learning rate, points, initial weights, answer, loss, batch and optimizer.

import { $ } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { optimizerCall, pointsSummary, scheduleCall } from "../model/run-summary.js";

const LOSS_FORMULAS = {
  l2_loss: "l2_loss(yhat − y) = Σ(yhat − y)² / 2",
  mean_squared_error: "reduce_mean(square(yhat − y)) = Σ(yhat − y)² / n",
};

export function renderFacts(run) {
  const config = run.config;
  const facts = [
    [t("facts.learning_rate"), String(config.learning_rate)],
    [t("facts.points"), pointsSummary(config)],
    [t("facts.initial"), `b = ${formatNumber(run.initial_weights.b)}, m = ${formatNumber(run.initial_weights.m)}`],
    [t("facts.answer"), `b = ${formatNumber(run.answer.b)}, m = ${formatNumber(run.answer.m)}`],
    [t("facts.loss"), LOSS_FORMULAS[config.loss]],
    [t("facts.batch"), config.batch_size ? t("facts.batch_size", { n: config.batch_size }) : t("facts.full_batch")],
    [t("facts.optimizer"), optimizerCall(config)],
  ];
  const schedule = config.learning_rate_schedule;
  if (schedule) facts.splice(1, 0, [t("facts.schedule"), scheduleCall(schedule)]);
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
