"""The refusals a step or a fork meets before it computes or stores anything: each raises,
the run unchanged."""

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


def refuse_bad_fork_step(step: int, last: int, state_missing: bool) -> None:
    """Raise InvalidRunRequestError unless a fork may continue from `step` of a run whose last
    step is `last`: one it has, whose state did not overflow (`state_missing`)."""
    if not 0 <= step <= last:
        # 422 as for step -1: the run exists, the body asks for a step it does not have
        # (a 404 would say the run is gone; found by Schemathesis).
        raise InvalidRunRequestError(
            f"step must be from 0 (the start) to {last}, this run's last step"
        )
    if state_missing:
        raise InvalidRunRequestError(
            f"step {step} overflowed, so there is no state to continue from; "
            "fork from an earlier step"
        )
