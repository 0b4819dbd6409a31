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

/** Settings of `run` as a new-run request, with `overrides` (e.g. a learning rate) applied. */
export function specLike(run, overrides = {}) {
  const config = run.config;
  const spec = {
    learning_rate: config.learning_rate,
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
