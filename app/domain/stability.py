"""The largest learning rate that does not diverge, from the loss's Hessian.

The loss is quadratic in [b, m], so gradient descent moves along each eigenvector of the
Hessian H independently, multiplying the distance to the answer by (1 − lr·λ) each step: it
shrinks only while |1 − lr·λ| < 1, that is lr < 2/λ, and the largest eigenvalue decides.
Heavy-ball momentum μ stretches the limit to 2(1 + μ)/λ_max, Nesterov's to
2(1 + μ)/((1 + 2μ)·λ_max). Adagrad, RMSProp and Adam divide each step by a running size
of the gradient, so no such fixed limit exists for them.
"""

import math
from dataclasses import dataclass

from app.domain.spec import MAX_LEARNING_RATE, TrainingSpec


@dataclass(frozen=True)
class Curvature:
    """The eigenvalues of the loss's Hessian, which is the same at every weight."""

    smallest: float
    largest: float


@dataclass(frozen=True)
class Stability:
    curvature: Curvature
    gradient_descent_limit: float
    max_stable_learning_rate: float | None
    suggested_learning_rate: float


def _round_down(value: float, digits: int = 2) -> float:
    """`value` rounded down to `digits` significant figures, so it stays below a limit."""
    exponent = math.floor(math.log10(value)) - digits + 1
    # Formatting drops the binary noise of the multiplication (0.0032000000000000002).
    return float(f"{math.floor(value / 10**exponent) * 10**exponent:.{digits}g}")


def stability(spec: TrainingSpec, curvature: Curvature) -> Stability:
    gradient_descent_limit = 2.0 / curvature.largest
    limit: float | None = None
    if spec.optimizer == "gradient_descent":
        limit = gradient_descent_limit
    elif spec.optimizer == "momentum":
        mu = float(spec.params()["momentum"])
        stretch = (1 + mu) / (1 + 2 * mu) if spec.params()["use_nesterov"] else 1 + mu
        limit = gradient_descent_limit * stretch
    return Stability(
        curvature=curvature,
        gradient_descent_limit=gradient_descent_limit,
        max_stable_learning_rate=limit,
        # Half the limit: at 1/λ_max the steepest direction is solved in one step.
        suggested_learning_rate=min(
            _round_down((limit or gradient_descent_limit) / 2), MAX_LEARNING_RATE
        ),
    )
