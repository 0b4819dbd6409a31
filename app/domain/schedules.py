"""Learning-rate schedules: TF1's decay functions of the global step (`tf.compat.v1.train.*`),
their parameters, and each one's formula in NumPy (float64), which checks the session's value.

Step k of a run is applied at global step k − 1 (the optimizer increments it after the
update), so `rate_at(schedule, learning_rate, k - 1)` is the rate step k uses.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ScheduleName = Literal[
    "exponential_decay",
    "inverse_time_decay",
    "polynomial_decay",
    "piecewise_constant",
    "cosine_decay",
]
ScheduleParams = dict[str, float | bool | list[float]]

# Each function's own parameters and their defaults, as TF1 names them (None: required).
SCHEDULE_DEFAULTS: dict[ScheduleName, dict[str, float | bool | list[float] | None]] = {
    "exponential_decay": {"decay_steps": None, "decay_rate": None, "staircase": False},
    "inverse_time_decay": {"decay_steps": None, "decay_rate": None, "staircase": False},
    # Without `cycle`: TF1 finds a cycle's period as ceil(step / decay_steps), which
    # Grappler's rewriting of a division into a multiplication by 1/decay_steps rounds up
    # one period too far at some multiples (step 21 of decay_steps 7 reads 3.0000002), so
    # the same program would print other numbers depending on the session's optimizer.
    "polynomial_decay": {"decay_steps": None, "end_learning_rate": 0.0001, "power": 1.0},
    # No learning_rate argument: values[0] is the rate up to the first boundary.
    "piecewise_constant": {"boundaries": None, "values": None},
    "cosine_decay": {"decay_steps": None, "alpha": 0.0},
}


@dataclass(frozen=True)
class LearningRateSchedule:
    """One of TF1's decay functions and its parameters (besides the rate and the step)."""

    name: ScheduleName
    params: ScheduleParams = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "params": self.params}

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> "LearningRateSchedule":
        """Read a stored schedule, its parameters in the order of TF1's signature (a JSON
        column may keep them sorted), as the listings and the page write them out."""
        name, params = stored["name"], stored["params"]
        return cls(name=name, params={key: params[key] for key in SCHEDULE_DEFAULTS[name]})


def _number(schedule: LearningRateSchedule, name: str) -> float:
    value = schedule.params[name]
    assert not isinstance(value, list), name
    return float(value)


def _p(schedule: LearningRateSchedule, step: int) -> float:
    """step / decay_steps, floored when the schedule is a staircase."""
    ratio = step / _number(schedule, "decay_steps")
    return math.floor(ratio) if schedule.params.get("staircase") else ratio


def _exponential(schedule: LearningRateSchedule, rate: float, step: int) -> float:
    return rate * float(_number(schedule, "decay_rate") ** _p(schedule, step))


def _inverse_time(schedule: LearningRateSchedule, rate: float, step: int) -> float:
    return rate / (1 + _number(schedule, "decay_rate") * _p(schedule, step))


def _polynomial(schedule: LearningRateSchedule, rate: float, step: int) -> float:
    decay_steps = _number(schedule, "decay_steps")
    at = min(float(step), decay_steps)
    end = _number(schedule, "end_learning_rate")
    return (rate - end) * float((1 - at / decay_steps) ** _number(schedule, "power")) + end


def _piecewise(schedule: LearningRateSchedule, _rate: float, step: int) -> float:
    boundaries = schedule.params["boundaries"]
    values = schedule.params["values"]
    assert isinstance(boundaries, list) and isinstance(values, list)
    # values[i] while step ≤ boundaries[i]; the last value after the last boundary.
    for boundary, value in zip(boundaries, values, strict=False):
        if step <= boundary:
            return float(value)
    return float(values[-1])


def _cosine(schedule: LearningRateSchedule, rate: float, step: int) -> float:
    decay_steps = _number(schedule, "decay_steps")
    alpha = _number(schedule, "alpha")
    cosine = 0.5 * (1 + math.cos(math.pi * min(float(step), decay_steps) / decay_steps))
    return rate * ((1 - alpha) * cosine + alpha)


_FORMULAS: dict[ScheduleName, Callable[[LearningRateSchedule, float, int], float]] = {
    "exponential_decay": _exponential,
    "inverse_time_decay": _inverse_time,
    "polynomial_decay": _polynomial,
    "piecewise_constant": _piecewise,
    "cosine_decay": _cosine,
}


def rate_at(schedule: LearningRateSchedule | None, learning_rate: float, global_step: int) -> float:
    """The learning rate at `global_step` by the schedule's formula, in float64 (the run's
    constant `learning_rate` without a schedule)."""
    if schedule is None:
        return learning_rate
    return _FORMULAS[schedule.name](schedule, learning_rate, global_step)
