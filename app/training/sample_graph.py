"""The graph of one run: the sample's program with the run's optimizer and loss, and the ops
Stepwise adds around it (under `stepwise_*` name scopes) to report a whole step in one call."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import tensorflow as tf

from app.domain.data import Dataset
from app.domain.spec import TrainingSpec
from app.training.fused import FusedRun, build_fused_run
from app.training.objective import Objective, loss_of_errors
from app.training.schedule import schedule_tensor
from app.training.variables import VariableHandles, make_optimizer, variable_roles

v1 = tf.compat.v1

INITIAL_WEIGHTS_STDDEV = 0.1


@dataclass(frozen=True)
class SampleGraph:
    """What the model runs of its graph: the fetches of each action, and what it feeds."""

    batch: tf.Tensor | None  # The mini-batch's point indices; None for full-batch runs.
    weights_read: tf.Tensor  # The tensor `yhat` reads the weights from, fed to explain a step.
    grid: tf.Tensor  # Columns of (b, m) at which surface_losses evaluates the loss.
    surface_losses: tf.Tensor
    step_fetches: dict[str, Any]
    eval_fetches: dict[str, Any]
    breakdown_fetches: dict[str, Any]
    # The loop for many steps, added last (app.training.shared_graph), so that the graph's
    # description shows the sample's ops without it.
    build_fused: Callable[[], FusedRun]
    initialize: tf.Operation
    # Feed global steps to `rates_at_steps` for the scheduled rates there; None: no schedule.
    rate_steps: tf.Tensor | None
    rates_at_steps: tf.Tensor | None
    variables: dict[str, VariableHandles]
    variable_roles: dict[str, str]


def build_sample_graph(data: Dataset, spec: TrainingSpec) -> SampleGraph:
    """Build the run's graph in the default graph: the sample's program, then Stepwise's
    fetches around its update, its explanations and its loss surface."""
    # --- The learner's program (the sample, with today's names). ---
    inputs = tf.constant(data.design_matrix(), name="input")
    target = tf.constant(data.target_column(), name="target")
    objective = Objective(inputs, target, spec.loss)
    weights = v1.Variable(
        v1.random_normal([2, 1], 0.0, INITIAL_WEIGHTS_STDDEV, seed=spec.seed), name="weights"
    )
    yhat = tf.matmul(inputs, weights, name="yhat")
    yerror = tf.subtract(yhat, target, name="yerror")
    loss = loss_of_errors(yerror, spec.loss, name="loss")
    batch: tf.Tensor | None = None
    training_loss = loss
    if spec.batch_size is not None:
        batch = v1.placeholder(tf.int32, [spec.batch_size], name="batch_indices")
        batch_error = tf.gather(yerror, batch, name="batch_error")
        training_loss = loss_of_errors(batch_error, spec.loss, name="batch_loss")
    global_step = v1.train.get_or_create_global_step()
    optimizer = make_optimizer(spec, global_step)
    grads_and_vars = optimizer.compute_gradients(training_loss, var_list=[weights])
    gradient = grads_and_vars[0][0]

    # --- Stepwise's fetches around the update, so one session.run reports a whole step. ---
    with tf.name_scope("stepwise_before"):
        weights_before = tf.identity(weights.read_value(), name="weights")
    # The update must wait for the "before" reads; otherwise TF may run them in any order.
    with tf.control_dependencies([weights_before, loss]):
        update_weights = optimizer.apply_gradients(grads_and_vars, global_step=global_step)
    variables = v1.global_variables()  # Now including any slots the optimizer created.
    with tf.name_scope("stepwise_after"), tf.control_dependencies([update_weights]):
        state_after = {v.op.name: tf.identity(v.read_value(), name=v.op.name) for v in variables}
        yhat_after = tf.matmul(inputs, state_after["weights"], name="yhat")
        loss_after = loss_of_errors(tf.subtract(yhat_after, target), spec.loss, name="loss")

    # --- Stepwise's explanations: values at any weights, without changing the variable. ---
    # Feeding the tensor that `yhat` reads the weights from evaluates the learner's own ops
    # (yhat, yerror, loss and the gradient ops minimize() added) at other weights.
    weights_read = yhat.op.inputs[1]
    with tf.name_scope("stepwise_explain"):
        # dL/dyhat_i times [1, x_i]: each point's share of the gradient (zero outside the
        # batch), so the shares add up to the gradient whatever the loss.
        loss_per_prediction = tf.convert_to_tensor(tf.gradients(training_loss, yhat)[0])
        contributions = tf.multiply(inputs, loss_per_prediction, name="contributions")
    # The rate at any global steps, by the schedule's own function, one step at a time
    # (piecewise_constant takes a scalar step): the step panel's lr_t and the rate's chart.
    rate_steps: tf.Tensor | None = None
    rates_at_steps: tf.Tensor | None = None
    schedule = spec.schedule
    if schedule is not None:
        with tf.name_scope("stepwise_schedule"):
            rate_steps = v1.placeholder(tf.int64, [None], name="global_steps")
            rates_at_steps = tf.map_fn(
                lambda step: schedule_tensor(schedule, spec.learning_rate, step),
                rate_steps,
                fn_output_signature=tf.float32,
            )
    with tf.name_scope("stepwise_surface"):
        grid = v1.placeholder(tf.float32, [2, None], name="weights_grid")
        grid_errors = tf.matmul(inputs, grid) - target
        squares = tf.reduce_sum(tf.square(grid_errors), axis=0)
        scale = 0.5 if spec.loss == "l2_loss" else 1.0 / data.size
        grid_losses = tf.multiply(squares, scale, name="losses")

    step_fetches = {
        "weights_before": weights_before,
        "gradient": gradient,
        "loss_before": loss,
        "loss_after": loss_after,
        "predictions": yhat_after,
        "state": state_after,
    }
    # A fetched variable is read by its own read op, exactly as `weights.eval()` does.
    eval_fetches = {"step": global_step, "weights": weights, "loss": loss, "yhat": yhat}
    breakdown_fetches = {
        "predictions": yhat,
        "residuals": yerror,
        "contributions": contributions,
        "loss": loss,
        "gradient": gradient,
    }
    build_fused: Callable[[], FusedRun] = partial(
        build_fused_run, objective, spec.batch_size, weights, global_step, optimizer, variables
    )
    initialize = v1.global_variables_initializer()
    variables_by_name = {v.op.name: VariableHandles(v) for v in variables}
    roles = variable_roles(optimizer, weights, global_step, variables)
    return SampleGraph(
        batch=batch,
        weights_read=weights_read,
        grid=grid,
        surface_losses=grid_losses,
        step_fetches=step_fetches,
        eval_fetches=eval_fetches,
        breakdown_fetches=breakdown_fetches,
        build_fused=build_fused,
        initialize=initialize,
        rate_steps=rate_steps,
        rates_at_steps=rates_at_steps,
        variables=variables_by_name,
        variable_roles=roles,
    )
