// The learning rate of a scheduled run over its steps, the rate of the step explained marked:
// a small line drawn from the rates the run's session computes (GET /learning-rates).

import { getLearningRates } from "../api/client.js";
import { $ } from "../lib/dom.js";
import { formatNumber } from "../lib/format.js";
import { t } from "../lib/i18n.js";
import { rateHorizon, rateMarker, ratePoints } from "../model/rate-chart-shape.js";

const WIDTH = 300;
const HEIGHT = 80;
const SVG = "http://www.w3.org/2000/svg";

let shown = { runId: null, rates: [] };
let asking = null;

/** Draw the chart of `run`'s rates with step `step` marked; fetch more steps when needed. */
export async function showRateChart(run, step) {
  const schedule = run.config.learning_rate_schedule;
  const figure = $("rate-figure");
  if (!schedule || !figure) return;
  const wanted = rateHorizon(schedule, step);
  if (shown.runId !== run.id || shown.rates.length < Math.min(wanted, step + 1)) {
    asking ??= getLearningRates(run.id, 1, wanted).finally(() => {
      asking = null;
    });
    const answer = await asking;
    shown = { runId: run.id, rates: answer.learning_rates };
  }
  draw(shown.rates, step);
}

function draw(rates, step) {
  const chart = $("rate-chart");
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", ratePoints(rates, WIDTH, HEIGHT));
  line.setAttribute("class", "rate-line");
  const parts = [line];
  const marker = rateMarker(rates, step, WIDTH, HEIGHT);
  if (marker) {
    const dot = document.createElementNS(SVG, "circle");
    Object.entries({ cx: marker.x, cy: marker.y, r: 3.5, class: "rate-marker" }).forEach(([name, value]) => dot.setAttribute(name, String(value)));
    parts.push(dot);
  }
  chart.replaceChildren(...parts);
  $("rate-chart-label").textContent = t("detail.rate_chart_label", {
    n: rates.length,
    first: formatNumber(rates[0]),
    last: formatNumber(rates.at(-1)),
    step,
    rate: marker ? formatNumber(marker.rate) : "–",
  });
}
