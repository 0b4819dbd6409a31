"""Many steps in one session call: the run's update inside a `tf.while_loop`.

Each iteration reads the weights, computes the loss and its gradient, applies the same
optimizer's update, and records what a single step reports, so every record is still
TensorFlow's own. The loop stops early at the first step whose numbers are not finite.
"""

from dataclasses import dataclass
from typing import Any

import tensorflow as tf

from app.training.objective import Objective

v1 = tf.compat.v1

# The loop is built as TensorFlow 1's control flow (Enter, Switch, Merge, NextIteration and Exit
# ops in the graph itself), not as a While op whose condition and body are functions: every
# session keeps its own copy of a graph's function library and instantiates the functions
# when it first runs them. Measured with 500 sessions of one shared graph (bench/table.py, row
# 7a): 0.68 MiB a session with function bodies, 0.46 MiB without; a new run's first Run of 50
# falls from about 25 to 14 ms and a fused step from about 45 to 35 µs. The records are the
# same to the bit (tests/training/test_optimizers.py). Process-wide, but no other part of the app
# builds control flow; functions (tf.function, Keras) keep TensorFlow 2's whatever this says.
v1.disable_control_flow_v2()


@dataclass(frozen=True)
class FusedRun:
    """The ops of the loop: feed `count` (and `batches` for mini-batches), fetch `records`."""

    count: tf.Tensor
    batches: tf.Tensor | None  # [count, batch_size]: the points of each step's batch.
    records: dict[str, Any]
    per_step_predictions: tf.Tensor
    final_predictions: tf.Tensor


def _all_finite(tensors: list[tf.Tensor]) -> tf.Tensor:
    return tf.reduce_all([tf.reduce_all(tf.math.is_finite(t)) for t in tensors])


def build_fused_run(
    objective: Objective,
    batch_size: int | None,
    weights: tf.Variable,
    global_step: tf.Variable,
    optimizer: tf.compat.v1.train.Optimizer,
    variables: list[tf.Variable],
) -> FusedRun:
    """Add the loop to the current graph (call inside `graph.as_default()`)."""
    count = v1.placeholder(tf.int32, [], name="count")
    batches = None
    if batch_size is not None:
        batches = v1.placeholder(tf.int32, [None, batch_size], name="batches")
    names = [v.op.name for v in variables]

    def array(dtype: tf.DType) -> tf.TensorArray:
        return tf.TensorArray(dtype, size=0, dynamic_size=True)

    def body(i: tf.Tensor, _diverged: tf.Tensor, arrays: dict[str, Any]) -> tuple[Any, ...]:
        # Reading after `i` orders this iteration after the previous one's update.
        with tf.control_dependencies([i]):
            before = weights.read_value()
        errors = objective.errors(before)
        loss_before = objective.training_loss(errors, None)
        training_loss = objective.training_loss(errors, None if batches is None else batches[i])
        gradient = tf.gradients(training_loss, before)[0]
        with tf.control_dependencies([loss_before, gradient]):
            update = optimizer.apply_gradients([(gradient, weights)], global_step=global_step)
        with tf.control_dependencies([update]):
            after = {v.op.name: v.read_value() for v in variables}
        yhat_after = tf.matmul(objective.inputs, after["weights"])
        loss_after = objective.training_loss(tf.subtract(yhat_after, objective.target), None)
        finite = _all_finite([gradient, after["weights"], loss_before, loss_after])
        with tf.control_dependencies([loss_after, *after.values()]):
            next_i = i + 1
        written = {
            "weights_before": arrays["weights_before"].write(i, before),
            "gradient": arrays["gradient"].write(i, gradient),
            "loss_before": arrays["loss_before"].write(i, loss_before),
            "loss_after": arrays["loss_after"].write(i, loss_after),
            "predictions": arrays["predictions"].write(i, yhat_after),
            "state": {name: arrays["state"][name].write(i, after[name]) for name in names},
        }
        return next_i, tf.logical_not(finite), written

    arrays = {
        "weights_before": array(tf.float32),
        "gradient": array(tf.float32),
        "loss_before": array(tf.float32),
        "loss_after": array(tf.float32),
        "predictions": array(tf.float32),
        "state": {v.op.name: array(v.dtype.base_dtype) for v in variables},
    }
    _, _, done = tf.while_loop(
        lambda i, diverged, _arrays: tf.logical_and(i < count, tf.logical_not(diverged)),
        body,
        (tf.constant(0), tf.constant(False), arrays),
    )
    records = {
        "weights_before": done["weights_before"].stack(),
        "gradient": done["gradient"].stack(),
        "loss_before": done["loss_before"].stack(),
        "loss_after": done["loss_after"].stack(),
        "state": {name: done["state"][name].stack() for name in names},
    }
    # The last step's predictions without fetching every step's (costly for many points).
    with tf.control_dependencies(tf.nest.flatten(records)):
        final_predictions = tf.matmul(objective.inputs, weights.read_value())
    return FusedRun(
        count=count,
        batches=batches,
        records=records,
        per_step_predictions=done["predictions"].stack(),
        final_predictions=final_predictions,
    )
