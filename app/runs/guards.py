"""The refusals a step meets before it computes anything: each raises, the run unchanged."""

from app.runs.errors import InvalidRunRequestError, RunDivergedError, RunFullError
from app.training.model import LinearRegressionModel


def refuse_if_diverged(model: LinearRegressionModel) -> None:
    """Raise RunDivergedError if the run's values overflowed: it must be reset first."""
    if model.diverged_at is not None:
        raise RunDivergedError(model.diverged_at)


def refuse_if_full(model: LinearRegressionModel, n: int, limit: int) -> None:
    """Raise RunFullError if `n` more steps would take the run past `limit` steps."""
    if model.steps_done + n > limit:
        raise RunFullError(model.steps_done, limit)


def refuse_bad_step_count(n: int, limit: int) -> None:
    """Raise InvalidRunRequestError unless 1 <= `n` <= `limit` (one request's most steps)."""
    if not 1 <= n <= limit:
        raise InvalidRunRequestError(f"n must be between 1 and {limit}, got {n}")
