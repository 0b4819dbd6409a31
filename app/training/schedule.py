"""A run's learning-rate schedule as TF1 builds it: `tf.compat.v1.train`'s decay functions of
the global step, which the optimizer reads at every update."""

from collections.abc import Callable

import tensorflow as tf

from app.domain.schedules import LearningRateSchedule
from app.domain.spec import TrainingSpec

v1 = tf.compat.v1


def schedule_tensor(
    schedule: LearningRateSchedule, learning_rate: float, step: tf.Tensor
) -> tf.Tensor:
    """The rate at `step` (an int64 scalar), by the schedule's own `tf.compat.v1.train`
    function, with the arguments the learner would pass it."""
    p = schedule.params
    if schedule.name == "piecewise_constant":
        return v1.train.piecewise_constant(step, p["boundaries"], p["values"])
    if schedule.name == "polynomial_decay":
        return v1.train.polynomial_decay(
            learning_rate,
            step,
            p["decay_steps"],
            end_learning_rate=p["end_learning_rate"],
            power=p["power"],
        )
    if schedule.name == "cosine_decay":
        return v1.train.cosine_decay(learning_rate, step, p["decay_steps"], alpha=p["alpha"])
    decay = getattr(v1.train, schedule.name)  # exponential_decay, inverse_time_decay
    result: tf.Tensor = decay(
        learning_rate, step, p["decay_steps"], p["decay_rate"], staircase=p["staircase"]
    )
    return result


def optimizer_learning_rate(
    spec: TrainingSpec, global_step: tf.Variable
) -> float | Callable[[], tf.Tensor]:
    """What the optimizer is given as its learning rate: the run's constant, or its schedule
    as a function, which the optimizer calls where it builds each update. The update in the
    fused loop (app.training.fused) so reads the global step of its own iteration."""
    schedule = spec.schedule
    if schedule is None:
        return spec.learning_rate
    return lambda: schedule_tensor(schedule, spec.learning_rate, global_step)
