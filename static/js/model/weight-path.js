// The path of the weights (b, m) through the steps, the part of the plane that frames it, and
// the next update from a step (TensorFlow's own, and the plain gradient step beside it): what
// the loss surface and the compare page's path chart draw.

const PADDING = 0.35; // Room around the path, as a share of its span.
const MIN_SPAN = 0.5; // The narrowest range shown, when the path barely moves.
// Points further from the answer than this many times the start are a diverging run's
// blow-up; the surface stays around the part of the path that can be looked at.
const FAR_FACTOR = 10;

const finite = (w) => w && w.b !== null && w.m !== null;

/** {step, b, m} from the initial weights through every loaded step whose weights are finite. */
export function pathOf(state) {
  const path = [{ step: 0, ...state.run.initial_weights }];
  for (const record of state.history) {
    if (finite(record.weights_after)) path.push({ step: record.step, ...record.weights_after });
  }
  return path;
}

/** Axis ranges {b, m} around the answer and the part of `path` near it (a blow-up is left out). */
export function boundsFor(state, path) {
  const answer = state.run.answer;
  const start = path[0];
  const reach = Math.hypot(start.b - answer.b, start.m - answer.m) * FAR_FACTOR || MIN_SPAN;
  const near = path.filter((w) => Math.hypot(w.b - answer.b, w.m - answer.m) <= reach);
  const span = (values) => {
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const pad = Math.max((hi - lo) * PADDING, MIN_SPAN / 2);
    return [lo - pad, hi + pad];
  };
  return {
    b: span([answer.b, ...near.map((w) => w.b)]),
    m: span([answer.m, ...near.map((w) => w.m)]),
  };
}

/** Whether the ranges `outer` contain the ranges `inner`. */
export const covers = (outer, inner) =>
  outer.b[0] <= inner.b[0] && outer.b[1] >= inner.b[1] && outer.m[0] <= inner.m[0] && outer.m[1] >= inner.m[1];

/**
 * The next update from step `k`, {step, from, to, gradientStep}: `to` is where TensorFlow's
 * update takes the weights: the stored step k + 1, or at the last step the session's preview of
 * it (in `details`, a step cache's peek; the server runs the update and undoes it).
 * `gradientStep` is the plain gradient step w − lr·∇L from the same weights, with the gradient
 * and the rate the update applied: drawn beside optimizers that bend it, null for gradient
 * descent, whose update it is, and for a scheduled run whose step's rate (TensorFlow's, in the
 * step's detail) is not known yet. Null when TensorFlow's update is not known.
 */
export function nextUpdate(state, details, k) {
  const config = state.run.config;
  const step = k + 1;
  const plain = (from, gradient) => {
    if (config.optimizer === "gradient_descent" || !finite(gradient)) return null;
    const lr = config.learning_rate_schedule ? details.peek(step)?.learning_rate : config.learning_rate;
    if (!Number.isFinite(lr)) return null;
    return { b: from.b - lr * gradient.b, m: from.m - lr * gradient.m };
  };
  const next = state.record(step);
  if (next && finite(next.weights_before) && finite(next.weights_after)) {
    const from = next.weights_before;
    return { step, from, to: next.weights_after, gradientStep: plain(from, next.gradient) };
  }
  const detail = details.peek(step);
  const preview = detail && !detail.applied ? detail.preview : null;
  if (k === state.lastStep && preview && finite(detail.weights_before) && finite(preview.weights_after)) {
    const from = detail.weights_before;
    return { step, from, to: preview.weights_after, gradientStep: plain(from, detail.gradient) };
  }
  return null;
}

// The API computes the loss surface only for |b|, |m| ≤ this (app/schemas/values.py).
export const COORDINATE_LIMIT = 1e6;

const within = (w, limit) => Math.abs(w.b) <= limit && Math.abs(w.m) <= limit;

/**
 * The window of the run page's loss surface, {bounds, zoomedOut, beyond}: the answer and the
 * whole finite path, so that a run leaving the valley is seen leaving (`zoomedOut`: the window
 * is wider than boundsFor's, which leaves a blow-up out). The surface exists only within
 * ±COORDINATE_LIMIT: points past it stay out of the window, and `beyond` is then
 * {step, last}: the first step past the limit and the last finite point of the path.
 */
export function surfaceFrame(state, path) {
  const answer = state.run.answer;
  const inside = path.filter((w) => within(w, COORDINATE_LIMIT));
  const framed = within(answer, COORDINATE_LIMIT) ? [answer, ...inside] : inside;
  const span = (values) => {
    // A loop, not Math.min(...values): a long run's path is more than a call's arguments.
    let lo = values.length ? values[0] : 0;
    let hi = lo;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const pad = Math.max((hi - lo) * PADDING, MIN_SPAN / 2);
    // Kept within the limit, and never narrower than MIN_SPAN.
    const low = Math.min(Math.max(lo - pad, -COORDINATE_LIMIT), COORDINATE_LIMIT - MIN_SPAN);
    return [low, Math.max(Math.min(hi + pad, COORDINATE_LIMIT), low + MIN_SPAN)];
  };
  const bounds = { b: span(framed.map((w) => w.b)), m: span(framed.map((w) => w.m)) };
  const outside = path.find((w) => !within(w, COORDINATE_LIMIT));
  return {
    bounds,
    zoomedOut: !covers(boundsFor(state, path), bounds),
    beyond: outside ? { step: outside.step, last: path[path.length - 1] } : null,
  };
}
