// The shape of the learning-rate chart: how many steps it shows, and its line and marker in
// the chart's own coordinates. Pure, so Node tests it; the rates are the session's.

export const MAX_CHART_STEPS = 5000; // The most GET /learning-rates gives at once.
const LEAST_STEPS = 50; // The page's Run 50.

/** How many steps from step 1 the chart shows: past the schedule's changes and `step`. */
export function rateHorizon(schedule, step) {
  const p = schedule.params;
  const changes = {
    piecewise_constant: () => p.boundaries.at(-1) + 1,
    polynomial_decay: () => p.decay_steps + 1,
    cosine_decay: () => p.decay_steps + 1,
  };
  // Exponential and inverse-time decay never stop changing: three periods show their shape.
  const reach = (changes[schedule.name] ?? (() => 3 * p.decay_steps))();
  return Math.min(MAX_CHART_STEPS, Math.max(LEAST_STEPS, step + 10, Math.ceil(reach * 1.2)));
}

/** The polyline's points of `rates` (step 1 first) in a `width` × `height` box, 0 at the bottom. */
export function ratePoints(rates, width, height) {
  const top = Math.max(...rates);
  const x = (i) => (rates.length === 1 ? 0 : (i / (rates.length - 1)) * width);
  const y = (rate) => (top > 0 ? height - (rate / top) * height : height);
  return rates.map((rate, i) => `${round(x(i))},${round(y(rate))}`).join(" ");
}

/** Where step `step`'s rate sits in the same box, or null when the chart does not reach it. */
export function rateMarker(rates, step, width, height) {
  if (step < 1 || step > rates.length) return null;
  const [x, y] = ratePoints(rates, width, height).split(" ")[step - 1].split(",").map(Number);
  return { x, y, rate: rates[step - 1] };
}

const round = (value) => Math.round(value * 100) / 100;
