// A mini-batch run's fit plot rings the points of the shown step's batch, as the server's step
// detail lists them (the same step whose residuals the plot draws).

import { t } from "../lib/i18n.js";

const BATCH_COLOR = "#E69F00"; // Okabe–Ito orange: apart from the points, predictions and residuals.

/** A trace of rings around the batch's points; none for a full-batch run or before the detail arrives. */
export function batchTraces(state, details) {
  if (state.run.config.batch_size === null) return [];
  const detail = details.peek(state.explainedStep(state.position));
  if (!detail || !detail.batch) return [];
  const { x, y } = state.run.points;
  return [
    {
      name: t("chart.batch", { step: detail.step }),
      type: "scatter",
      mode: "markers",
      x: detail.batch.map((i) => x[i]),
      y: detail.batch.map((i) => y[i]),
      marker: { symbol: "circle-open", size: 22, color: BATCH_COLOR, line: { width: 3 } },
      hoverinfo: "skip",
    },
  ];
}
