// The largest learning rate at which plain gradient descent converges on a run's points, for
// the loss chosen in the New run form. The server computes the run's own (2/λ_max of the loss's
// Hessian, app/domain/stability.py); the loss is quadratic in (b, m), so another loss of the
// same points only scales the Hessian: XᵀX for l2_loss (Σe²/2), 2XᵀX/n for the mean squared
// error (Σe²/n).

/** The Hessian of `loss` on `n` points, as a multiple of l2_loss's XᵀX. */
const hessianScale = (loss, n) => (loss === "mean_squared_error" ? 2 / n : 1);

/** 2/λ_max on `run`'s points with the loss `loss` (the run's own when not given). */
export function gradientDescentLimit(run, loss = run.config.loss) {
  const n = run.points.x.length;
  const scale = hessianScale(run.config.loss, n) / hessianScale(loss, n);
  return run.stability.gradient_descent_limit * scale;
}

/**
 * Whether `rate` is above the limit for the form's `settings` ({optimizer, loss, fullBatch}):
 * said only of plain gradient descent on every point, the case the limit describes exactly.
 */
export function aboveLimit(rate, run, { optimizer, loss, fullBatch }) {
  if (optimizer !== "gradient_descent" || !fullBatch || rate === null || !Number.isFinite(rate)) return false;
  return rate > gradientDescentLimit(run, loss);
}
