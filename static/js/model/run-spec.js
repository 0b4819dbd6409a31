// The body of POST /api/runs that makes a run like an existing one: the same data (recipe,
// preset or points), initial weights and settings, with some settings changed.

/** Where the run's points came from, as the API takes it. */
function dataOf(run) {
  const config = run.config;
  if (!config.custom_points) {
    return { num_points: config.num_points, noise: config.noise, x_range: config.x_range };
  }
  if (config.preset) return { preset: config.preset };
  return { points: run.points.x.map((x, i) => ({ x, y: run.points.y[i] })) };
}

/**
 * The run's schedule for a run at `rate`: a piecewise schedule's rates scaled with it (its
 * first is the learning rate itself); the others decay whatever rate they are given.
 */
function scheduleAt(schedule, from, rate) {
  if (!schedule) return null;
  const spec = { name: schedule.name, ...schedule.params };
  if (schedule.name === "piecewise_constant" && rate !== from) {
    spec.values = schedule.params.values.map((value, i) => (i === 0 ? rate : (value * rate) / from));
  }
  return spec;
}

/** The largest rate `config`'s schedule gives (its learning rate without one). */
function peakRate(config) {
  const schedule = config.learning_rate_schedule;
  if (schedule?.name === "piecewise_constant") return Math.max(...schedule.params.values);
  if (schedule?.name === "polynomial_decay") return Math.max(config.learning_rate, schedule.params.end_learning_rate);
  return config.learning_rate; // Constant, or a decay that only lowers it.
}

const twoDigits = (value) => Number(value.toPrecision(2));

/**
 * Settings of `run` as a new-run request whose largest learning rate is about `peak` (two
 * significant digits): the learning rate, and every rate a schedule names, scaled by one
 * factor, so a schedule keeps its shape. `overrides` are applied last.
 */
export function specAtPeakRate(run, peak, overrides = {}) {
  const config = run.config;
  const rate = twoDigits((config.learning_rate * peak) / peakRate(config));
  const spec = specLike(run, { learning_rate: rate });
  if (config.learning_rate_schedule?.name === "polynomial_decay") {
    const end = config.learning_rate_schedule.params.end_learning_rate;
    spec.learning_rate_schedule.end_learning_rate = (end * rate) / config.learning_rate;
  }
  return { ...spec, ...overrides };
}

/** Settings of `run` as a new-run request, with `overrides` (e.g. a learning rate) applied. */
export function specLike(run, overrides = {}) {
  const config = run.config;
  const rate = overrides.learning_rate ?? config.learning_rate;
  const spec = {
    learning_rate: config.learning_rate,
    learning_rate_schedule: scheduleAt(config.learning_rate_schedule, config.learning_rate, rate),
    seed: config.seed,
    ...dataOf(run),
    optimizer: { name: config.optimizer, ...config.optimizer_params },
    loss: config.loss,
    batch_size: config.batch_size,
  };
  // The same seed draws the same random_normal weights; chosen ones are sent as they were.
  if (config.custom_initial_weights) spec.initial_weights = { ...run.initial_weights };
  return { ...spec, ...overrides };
}
