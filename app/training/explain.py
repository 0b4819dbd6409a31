"""Independent NumPy answers that the run's TensorFlow numbers are checked against."""

from dataclasses import dataclass

import numpy as np

from app.training.data import Dataset
from app.training.records import Weights


def closed_form_answer(data: Dataset) -> Weights:
    """Return the least-squares line, as the sample finds it with `np.polyfit(x, y, 1)`."""
    slope, intercept = np.polyfit(data.x, data.y, 1)
    return Weights(b=float(intercept), m=float(slope))


# float32 arithmetic is exact to about this share of the magnitudes it adds up; a gradient
# near zero is a difference of large terms, so its own size says little about the rounding.
FLOAT32_EPSILON = float(np.finfo(np.float32).eps)
ROUNDING_ALLOWANCE = 16  # A few roundings per term along each sum, with room to spare.


@dataclass(frozen=True)
class UpdateCheck:
    """NumPy's own gradient and update in float64, and how far TensorFlow's are from them."""

    gradient: Weights
    weights_after: Weights | None
    max_abs_difference: float
    max_rel_difference: float
    within_float32_rounding: bool


def l2_loss_gradient(data: Dataset, weights: Weights) -> Weights:
    """dL/dw = Xᵀ(Xw − y) for L = l2_loss(Xw − y) = Σ(Xw − y)² / 2."""
    residuals = weights.b + weights.m * data.x - data.y
    return Weights(b=float(residuals.sum()), m=float((residuals * data.x).sum()))


def check_update(
    data: Dataset,
    weights_before: Weights,
    learning_rate: float,
    tf_gradient: Weights,
    tf_weights_after: Weights | None,
) -> UpdateCheck:
    """Recompute one gradient descent update with NumPy and compare TensorFlow's with it.

    `tf_weights_after` is None for an update not yet applied: only the gradient is compared.
    """
    gradient = l2_loss_gradient(data, weights_before)
    # The size of the terms each gradient sums: what float32 rounding is proportional to.
    terms = abs(weights_before.b) + np.abs(weights_before.m * data.x) + np.abs(data.y)
    magnitudes = [float(terms.sum()), float((terms * np.abs(data.x)).sum())]
    pairs = [(tf_gradient.b, gradient.b), (tf_gradient.m, gradient.m)]
    weights_after = None
    if tf_weights_after is not None:
        lr = float(np.float32(learning_rate))  # The rate as the graph holds it.
        weights_after = Weights(
            b=weights_before.b - lr * gradient.b, m=weights_before.m - lr * gradient.m
        )
        pairs += [(tf_weights_after.b, weights_after.b), (tf_weights_after.m, weights_after.m)]
        magnitudes += [
            abs(weights_before.b) + lr * magnitudes[0],
            abs(weights_before.m) + lr * magnitudes[1],
        ]
    ours = np.array([theirs for theirs, _ in pairs])
    reference = np.array([numpy_value for _, numpy_value in pairs])
    differences = np.abs(ours - reference)
    scale = np.maximum(np.abs(reference), np.finfo(np.float32).tiny)
    bounds = ROUNDING_ALLOWANCE * FLOAT32_EPSILON * np.array(magnitudes)
    return UpdateCheck(
        gradient=gradient,
        weights_after=weights_after,
        max_abs_difference=float(differences.max()),
        max_rel_difference=float((differences / scale).max()),
        within_float32_rounding=bool(np.all(differences <= bounds)),
    )
