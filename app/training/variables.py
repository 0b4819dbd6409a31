"""The variables of a run's graph: setting them without assign ops, reading them as plain
values, naming them by role; and the optimizer that updates them."""

from typing import Any

import numpy as np
import tensorflow as tf

from app.domain.records import VariableState, Weights
from app.domain.spec import OPTIMIZER_CLASSES, TrainingSpec
from app.training.schedule import optimizer_learning_rate

v1 = tf.compat.v1


class VariableHandles:
    """The ops that set one variable, made while its graph is being built."""

    def __init__(self, variable: tf.Variable) -> None:
        self.variable = variable
        self.initializer = variable.initializer
        # Feeding a variable's initial-value tensor while running its initializer sets the
        # variable to any value without adding assign ops to the learner's graph.
        self.initial_value = variable.initial_value


def as_state(values: dict[str, Any]) -> VariableState:
    return {name: np.asarray(value).tolist() for name, value in values.items()}


def weights_of(column: np.ndarray | list[list[float]]) -> Weights:
    """The weights of a [[b], [m]] column: a fetched array, or a stored state's lists."""
    return Weights(b=float(column[0][0]), m=float(column[1][0]))


def column_of(weights: Weights) -> np.ndarray:
    return np.array([[weights.b], [weights.m]], dtype=np.float32)


def variable_roles(
    optimizer: tf.compat.v1.train.Optimizer,
    weights: tf.Variable,
    global_step: tf.Variable,
    variables: list[tf.Variable],
) -> dict[str, str]:
    """Name each variable the update changes by its role: `weights`, the optimizer's slot
    names (`m`, `v`, `momentum`, ...), or its own name for others (Adam's `beta1_power`)."""
    roles = {"weights": weights.op.name}
    for slot in optimizer.get_slot_names():
        roles[slot] = optimizer.get_slot(weights, slot).op.name
    named = set(roles.values()) | {global_step.op.name}
    roles.update({v.op.name: v.op.name for v in variables if v.op.name not in named})
    return roles


def make_optimizer(spec: TrainingSpec, global_step: tf.Variable) -> tf.compat.v1.train.Optimizer:
    """The run's `tf.compat.v1.train` optimizer, built with its own parameters and its
    learning rate, constant or scheduled on `global_step`."""
    optimizer_class = getattr(v1.train, OPTIMIZER_CLASSES[spec.optimizer])
    rate = optimizer_learning_rate(spec, global_step)
    optimizer: tf.compat.v1.train.Optimizer = optimizer_class(rate, **spec.params())
    return optimizer
