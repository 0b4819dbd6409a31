"""How a run trains: which `tf.compat.v1.train` optimizer, which loss, which batches.

Plain values, so the store, the API and the exported scripts can share them.
"""

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from app.domain.schedules import LearningRateSchedule

OptimizerName = Literal["gradient_descent", "momentum", "adagrad", "rmsprop", "adam"]
LossName = Literal["l2_loss", "mean_squared_error"]
OptimizerParams = dict[str, float | bool]

MAX_LEARNING_RATE = 100.0  # The largest rate a run accepts.

# Each optimizer's own parameters and their defaults: those of its TF 1.x constructor.
OPTIMIZER_DEFAULTS: dict[OptimizerName, OptimizerParams] = {
    "gradient_descent": {},
    "momentum": {"momentum": 0.9, "use_nesterov": False},
    "adagrad": {"initial_accumulator_value": 0.1},
    "rmsprop": {"decay": 0.9, "momentum": 0.0, "epsilon": 1e-10, "centered": False},
    "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}

# The class each name stands for, as the exported scripts and the page spell it.
OPTIMIZER_CLASSES: dict[OptimizerName, str] = {
    "gradient_descent": "GradientDescentOptimizer",
    "momentum": "MomentumOptimizer",
    "adagrad": "AdagradOptimizer",
    "rmsprop": "RMSPropOptimizer",
    "adam": "AdamOptimizer",
}
# The name scope minimize() puts each optimizer's update under (its default `name`).
OPTIMIZER_SCOPES: dict[OptimizerName, str] = {
    "gradient_descent": "GradientDescent",
    "momentum": "Momentum",
    "adagrad": "Adagrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}


@dataclass(frozen=True)
class TrainingSpec:
    """Everything that decides a run's updates, given its data and initial weights."""

    learning_rate: float = 0.002
    seed: int = 0
    optimizer: OptimizerName = "gradient_descent"
    optimizer_params: OptimizerParams = field(default_factory=dict)
    loss: LossName = "l2_loss"
    batch_size: int | None = None  # None: every point in every step, as the sample does.
    # A decay of the learning rate over the global step; None: the rate stays learning_rate.
    schedule: LearningRateSchedule | None = None

    def params(self) -> OptimizerParams:
        """The optimizer's parameters: the defaults, overridden by the run's own."""
        return {**OPTIMIZER_DEFAULTS[self.optimizer], **self.optimizer_params}


def batch_schedule(
    seed: int, first_step: int, count: int, num_points: int, batch_size: int
) -> np.ndarray:
    """The points of mini-batch steps `first_step` .. `first_step + count - 1` (1-based).

    Each epoch visits the points in a fresh order, drawn from NumPy's generator seeded with
    (seed, epoch), in batches of `batch_size`; points left over at the end of an epoch wait
    for the next one, so every batch has the same size. The exported scripts draw the same.
    Returns a `[count, batch_size]` array of point indices.
    """
    batches_per_epoch = num_points // batch_size
    orders: dict[int, np.ndarray] = {}
    rows = []
    for step in range(first_step, first_step + count):
        epoch, batch = divmod(step - 1, batches_per_epoch)
        if epoch not in orders:
            orders[epoch] = np.random.default_rng([seed, epoch]).permutation(num_points)
        rows.append(orders[epoch][batch * batch_size : (batch + 1) * batch_size])
    return np.array(rows, dtype=np.int32).reshape(count, batch_size)


def update_op_type(spec: TrainingSpec) -> str:
    """The type of the op that applies the run's update (ResourceApplyAdam…), as TensorFlow 1
    builds it for a resource variable: what the graph panel names for this run."""
    if spec.optimizer == "rmsprop" and spec.params()["centered"]:
        return "ResourceApplyCenteredRMSProp"
    return f"ResourceApply{OPTIMIZER_SCOPES[spec.optimizer]}"
