// Runs and step records shaped as GET /api/runs/{id} and POST /step return them, small enough
// to read in a test.

/** A step record: the weights move by `delta` each step from (b, m) = (0, 0), the loss halves. */
export function record(step, { delta = 0.5, loss = 64 / 2 ** (step - 1), diverged = false } = {}) {
  const at = (k) => ({ b: k * delta, m: 0 - k * delta });
  return {
    step,
    weights_before: at(step - 1),
    gradient: { b: -delta / 0.1, m: delta / 0.1 },
    weights_after: diverged ? { b: null, m: null } : at(step),
    loss_before: loss,
    loss_after: diverged ? null : loss / 2,
    diverged,
  };
}

/** Records `from`..`to`, as record() makes them. */
export const records = (from, to, options) =>
  Array.from({ length: to - from + 1 }, (_, i) => record(from + i, options));

/** A run with `steps` steps of record(), with `config` merged into a gradient-descent config. */
export function run({ steps = 0, history = records(1, steps), config = {}, ...rest } = {}) {
  return {
    id: "run-a",
    url: "/runs/run-a",
    created_at: "2026-01-01T00:00:00Z",
    config: {
      learning_rate: 0.1,
      seed: 7,
      num_points: 3,
      noise: 0.5,
      x_range: [-1, 1],
      custom_points: false,
      custom_initial_weights: false,
      optimizer: "gradient_descent",
      optimizer_params: {},
      optimizer_class: "GradientDescentOptimizer",
      loss: "l2_loss",
      batch_size: null,
      preset: null,
      locks: [],
      ...config,
    },
    points: { x: [-1, 0, 1], y: [-2, 0, 2] },
    answer: { b: 0, m: 2 },
    initial_weights: { b: 0, m: 0 },
    history,
    history_thinned: false,
    current: { step: steps, weights: { b: 0, m: 0 }, loss: 64, predictions: [0, 0, 0] },
    diverged: false,
    diverged_at: null,
    stability: {
      hessian_eigenvalues: [1.5, 40],
      max_stable_learning_rate: null,
      gradient_descent_limit: 0.05,
      suggested_learning_rate: 0.025,
    },
    owned: true,
    ...rest,
  };
}

/** localStorage as the browser has it, in memory; `blocked` throws on every use, as storage does
 * when the browser forbids it. */
export function memoryStorage({ blocked = false } = {}) {
  const items = new Map();
  const guard = () => {
    if (blocked) throw new Error("SecurityError: storage is blocked");
  };
  return {
    getItem: (key) => (guard(), items.has(key) ? items.get(key) : null),
    setItem: (key, value) => (guard(), items.set(key, String(value))),
    removeItem: (key) => (guard(), items.delete(key)),
  };
}
