"""What a run's session reports: an evaluation, a step's outcome, a breakdown of the loss,
the loss surface. Plain values, read from TensorFlow by `app.training.model`."""

from dataclasses import dataclass

from app.domain.records import StepRecord, VariableState, Weights


@dataclass(frozen=True)
class Evaluation:
    """What `loss.eval()` and `weights.eval()` read, plus `yhat`: values only, nothing changes."""

    step: int
    weights: Weights
    loss: float
    predictions: list[float]


@dataclass(frozen=True)
class StepOutcome:
    """A step's record, the predictions `yhat` of the weights it produced, and every variable."""

    record: StepRecord
    predictions: list[float]
    state: VariableState


@dataclass(frozen=True)
class Breakdown:
    """The loss and its gradient at some weights, point by point, as TensorFlow computes them.

    The gradient of l2_loss is Xᵀr: each point adds its residual r_i to dL/db and r_i·x_i to
    dL/dm, so the contributions add up to the gradient.
    """

    weights: Weights
    predictions: list[float]
    residuals: list[float]
    contributions_b: list[float]
    contributions_m: list[float]
    loss: float
    gradient: Weights


@dataclass(frozen=True)
class LossSurface:
    """The loss on a grid: `losses[i][j]` is the loss at b = b_values[j], m = m_values[i]."""

    b_values: list[float]
    m_values: list[float]
    losses: list[list[float]]
