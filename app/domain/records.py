"""Plain values that describe a run's steps; no TensorFlow here, so the store can use them."""

import math
from dataclasses import dataclass
from typing import Any

# Every global variable of a run's graph, by name, as nested lists: the complete state needed to
# continue a run exactly (weights, the global step, and any optimizer slot variables).
VariableState = dict[str, Any]


@dataclass(frozen=True)
class Weights:
    """The sample's `weights` variable, `[b, m]`: intercept and slope."""

    b: float
    m: float

    def is_finite(self) -> bool:
        return math.isfinite(self.b) and math.isfinite(self.m)


@dataclass(frozen=True)
class StepRecord:
    """What one optimizer update did, as TensorFlow computed it in a single `session.run`."""

    step: int
    weights_before: Weights
    gradient: Weights
    weights_after: Weights
    loss_before: float
    loss_after: float

    @property
    def diverged(self) -> bool:
        """Whether any value overflowed to inf or NaN: the run cannot meaningfully continue."""
        return not (
            self.weights_before.is_finite()
            and self.gradient.is_finite()
            and self.weights_after.is_finite()
            and math.isfinite(self.loss_before)
            and math.isfinite(self.loss_after)
        )
