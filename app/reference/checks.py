"""Independent NumPy answers that the run's TensorFlow numbers are checked against."""

from dataclasses import dataclass

import numpy as np

from app.domain.data import Dataset
from app.domain.records import Weights
from app.domain.schedules import rate_at
from app.domain.spec import LossName, TrainingSpec
from app.reference.update_rules import Values, expected_update


def closed_form_answer(data: Dataset) -> Weights:
    """Return the least-squares line, as the sample finds it with `np.polyfit(x, y, 1)`."""
    slope, intercept = np.polyfit(data.x, data.y, 1)
    return Weights(b=float(intercept), m=float(slope))


# float32 arithmetic is exact to about this share of the magnitudes it adds up; a gradient
# near zero is a difference of large terms, so its own size says little about the rounding.
FLOAT32_EPSILON = float(np.finfo(np.float32).eps)
ROUNDING_ALLOWANCE = 16  # A few roundings per term along each sum, with room to spare.


@dataclass(frozen=True)
class UpdateInputs:
    """What TensorFlow's step `step` started from: the rate its session computed for it, the
    batch's points (None: every point), and the variables by role, `weights` as [[b], [m]]."""

    step: int
    tf_learning_rate: float
    batch: np.ndarray | None
    before: Values


@dataclass(frozen=True)
class UpdateCheck:
    """NumPy's own gradient and update in float64, and how far TensorFlow's are from them.

    `after` holds NumPy's value of every variable the update changes, by role (see
    update_rules); None for an update not yet applied.
    """

    gradient: Weights
    learning_rate: float  # The schedule's formula at the step, or the run's constant rate.
    after: dict[str, list[float]] | None
    max_abs_difference: float
    max_rel_difference: float
    within_float32_rounding: bool


@dataclass(frozen=True)
class _Comparison:
    tensorflow: np.ndarray
    numpy: np.ndarray
    magnitude: np.ndarray  # The size of the terms behind each value: what rounding scales with.


def loss_gradient(
    data: Dataset, weights: Weights, loss: LossName, batch: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """dL/d[b, m] of the loss over the batch's points (every point without a batch).

    l2_loss = Σr²/2 gives Xᵀr; the mean squared error Σr²/n gives 2Xᵀr/n, with r = Xw − y.
    Returns the gradient and the size of the terms each of its sums adds.
    """
    x, y = (data.x, data.y) if batch is None else (data.x[batch], data.y[batch])
    residuals = weights.b + weights.m * x - y
    scale = 1.0 if loss == "l2_loss" else 2.0 / x.shape[0]
    gradient = scale * np.array([residuals.sum(), (residuals * x).sum()])
    terms = abs(weights.b) + np.abs(weights.m * x) + np.abs(y)
    magnitude = scale * np.array([terms.sum(), (terms * np.abs(x)).sum()])
    return gradient, magnitude


def _compare(comparisons: list[_Comparison]) -> tuple[float, float, bool]:
    ours = np.concatenate([c.tensorflow.ravel() for c in comparisons])
    reference = np.concatenate([c.numpy.ravel() for c in comparisons])
    magnitudes = np.concatenate([c.magnitude.ravel() for c in comparisons])
    differences = np.abs(ours - reference)
    scale = np.maximum(np.abs(reference), np.finfo(np.float32).tiny)
    bounds = ROUNDING_ALLOWANCE * FLOAT32_EPSILON * magnitudes
    return (
        float(differences.max()),
        float((differences / scale).max()),
        bool(np.all(differences <= bounds)),
    )


def check_update(
    data: Dataset,
    spec: TrainingSpec,
    inputs: UpdateInputs,
    tf_gradient: Weights,
    tf_after: Values | None,
) -> UpdateCheck:
    """Recompute one update with NumPy and compare TensorFlow's with it.

    `tf_after` holds the variables by role after the step, None for an update not yet
    applied: then only the rate and the gradient are compared. NumPy computes the step's rate
    by the schedule's formula and the gradient, each compared with TensorFlow's; then it
    applies the optimizer's rule, at its own rate, to the gradient TensorFlow applied, so
    each comparison checks one thing.
    """
    before = inputs.before
    (b,), (m,) = np.asarray(before["weights"], np.float64)
    gradient, magnitude = loss_gradient(data, Weights(b=b, m=m), spec.loss, inputs.batch)
    rate = rate_at(spec.schedule, spec.learning_rate, inputs.step - 1)
    tf_g = np.array([[tf_gradient.b], [tf_gradient.m]])
    comparisons = [
        _Comparison(np.array([inputs.tf_learning_rate]), np.array([rate]), np.array([rate])),
        _Comparison(tf_g[:, 0], gradient, magnitude),
    ]
    after = None
    if tf_after is not None:
        expected = expected_update(spec.optimizer, rate, spec.params(), tf_g, before)
        for role, value in expected.items():
            prior = np.asarray(before[role], np.float64)
            change = np.abs(value - prior)
            comparisons.append(
                _Comparison(
                    np.asarray(tf_after[role], np.float64),
                    value,
                    np.abs(prior) + np.abs(value) + change,
                )
            )
        after = {role: np.ravel(value).tolist() for role, value in expected.items()}
    max_abs, max_rel, within = _compare(comparisons)
    return UpdateCheck(
        gradient=Weights(b=float(gradient[0]), m=float(gradient[1])),
        learning_rate=rate,
        after=after,
        max_abs_difference=max_abs,
        max_rel_difference=max_rel,
        within_float32_rounding=within,
    )
