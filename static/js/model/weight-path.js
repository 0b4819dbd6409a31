// The path of the weights (b, m) through the steps, the part of the plane that frames it, and
// the next update from a step: what the loss surface and the compare page's path chart draw.

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
 * The next update from step `k`, {from, to}: the stored one, or at the last step the session's
 * gradient from the preview in `details` (a step cache's peek). Null when neither is known.
 */
export function nextUpdate(state, details, k) {
  const next = state.record(k + 1);
  if (next && finite(next.weights_before) && finite(next.weights_after)) {
    return { from: next.weights_before, to: next.weights_after };
  }
  const preview = details.peek(k + 1);
  if (k === state.lastStep && preview && !preview.applied && finite(preview.gradient)) {
    const lr = state.run.config.learning_rate;
    const from = preview.weights_before;
    return { from, to: { b: from.b - lr * preview.gradient.b, m: from.m - lr * preview.gradient.m } };
  }
  return null;
}
