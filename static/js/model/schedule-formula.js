// A learning-rate schedule's formula at one step, written out with the run's numbers, as
// tf.compat.v1.train computes it. Step k is applied at global step k − 1.

/** `0.05 × 0.5^⌊4 / 4⌋`: the formula of the rate step `step` uses, or null without a schedule. */
export function scheduleFormula(config, step) {
  const schedule = config.learning_rate_schedule;
  if (!schedule) return null;
  const p = schedule.params;
  const k = step - 1;
  const lr = config.learning_rate;
  const ratio = (steps) => (p.staircase ? `⌊${k} / ${steps}⌋` : `${k} / ${steps}`);
  const reached = `min(${k}, ${p.decay_steps})`;
  switch (schedule.name) {
    case "exponential_decay":
      return `${lr} × ${p.decay_rate}^(${ratio(p.decay_steps)})`;
    case "inverse_time_decay":
      return `${lr} / (1 + ${p.decay_rate} × ${ratio(p.decay_steps)})`;
    case "polynomial_decay":
      return `(${lr} − ${p.end_learning_rate}) × (1 − ${reached} / ${p.decay_steps})^${p.power} + ${p.end_learning_rate}`;
    case "piecewise_constant":
      return piecewise(p, k);
    case "cosine_decay":
      return `${lr} × ((1 − ${p.alpha}) × (1 + cos(π × ${reached} / ${p.decay_steps})) / 2 + ${p.alpha})`;
    default:
      return null;
  }
}

/** `values[1] (3 < 4 ≤ 6)`: which piece global step `k` falls in, and its rate's place. */
function piecewise({ boundaries, values }, k) {
  const index = boundaries.findIndex((boundary) => k <= boundary);
  if (index === 0) return `values[0] (${k} ≤ ${boundaries[0]})`;
  if (index === -1) return `values[${values.length - 1}] (${k} > ${boundaries.at(-1)})`;
  return `values[${index}] (${boundaries[index - 1]} < ${k} ≤ ${boundaries[index]})`;
}
