"""The TF2 listing: eager, GradientTape, and Keras's optimizer where it does TF1's arithmetic;
RMSProp and Adam written out in tf ops, since Keras's rules are not TF1's."""

from collections.abc import Callable
from typing import Any

from app.domain.spec import TrainingSpec
from app.listings.pieces import (
    initial_weights,
    keras_optimizer,
    keras_schedule,
    loss_of,
    render,
)
from app.listings.source import STEPS, ListingLine, ListingSource, parse

_TF2_TEMPLATE = """import numpy as np
import tensorflow as tf

tf.random.set_seed({seed})

{data}x_with_bias = np.array([(1., a) for a in x]).astype(np.float32)
{batch_function}
inputs = tf.constant(x_with_bias)
target = tf.constant(np.transpose([y]).astype(np.float32))
weights = tf.Variable({weights})  #@init
{optimizer}
for step in range({steps}):
    with tf.GradientTape() as tape:  #@step
{training_loss}    gradients = tape.gradient(loss, [weights])  #@step
    {apply}  #@step
    loss_after = {loss_after}  #@evaluate
    b, m = weights.numpy()  #@evaluate
    print(step + 1, float(loss_after), b[0], m[0])
"""


_KERAS_APPLY = "optimizer.apply_gradients(zip(gradients, [weights]))"


# Where Keras's optimizer does other arithmetic than TF1's, the script writes out TF1's rule
# as its kernel computes it (training_ops.cc), in float32, so the numbers agree to the bit.
_TF2_RMSPROP = """
# TF1's RMSPropOptimizer starts its mean square at 1; Keras's RMSprop starts at 0 and so
# would print other numbers. TF1's update rule instead, in float32 tf ops in its kernel's order:
{rate_definition}
decay, momentum, epsilon = tf.constant([{decay!r}, {momentum!r}, {epsilon!r}])
mean_square = tf.Variable(tf.ones_like(weights))
{mean_gradient}velocity = tf.Variable(tf.zeros_like(weights))


def apply_rmsprop(gradient, learning_rate):
    mean_square.assign_add((tf.square(gradient) - mean_square) * (1 - decay)){centering}
    velocity.assign(momentum * velocity + learning_rate * gradient / tf.sqrt(denominator))
    weights.assign_sub(velocity)

"""


_RMSPROP_CENTERED = """
    mean_gradient.assign_add((gradient - mean_gradient) * (1 - decay))
    denominator = mean_square - tf.square(mean_gradient) + epsilon"""


_RMSPROP_UNCENTERED = "\n    denominator = mean_square + epsilon"


_TF2_ADAM = """
# TF1's AdamOptimizer keeps beta1**t and beta2**t as float32 products, one factor per step;
# Keras's Adam computes each power afresh, and 1 - beta2**t magnifies the difference beyond
# the printed digits. TF1's update rule instead, in float32 tf ops in its kernel's order
# (mean_gradient and mean_square are Adam's m and v):
{rate_definition}
beta1, beta2, epsilon = tf.constant([{beta1!r}, {beta2!r}, {epsilon!r}])
mean_gradient = tf.Variable(tf.zeros_like(weights))
mean_square = tf.Variable(tf.zeros_like(weights))
beta1_power, beta2_power = tf.Variable(beta1), tf.Variable(beta2)


def apply_adam(gradient, learning_rate):
    step_size = learning_rate * tf.sqrt(1 - beta2_power) / (1 - beta1_power)
    mean_gradient.assign_add((gradient - mean_gradient) * (1 - beta1))
    mean_square.assign_add((tf.square(gradient) - mean_square) * (1 - beta2))
    weights.assign_sub(mean_gradient * step_size / (tf.sqrt(mean_square) + epsilon))
    beta1_power.assign(beta1_power * beta1)
    beta2_power.assign(beta2_power * beta2)

"""


def _tf2_rmsprop(spec: TrainingSpec) -> str:
    params = spec.params()
    centered = bool(params["centered"])
    return _TF2_RMSPROP.format(
        rate_definition=_rate_definition(spec),
        decay=float(params["decay"]),
        momentum=float(params["momentum"]),
        epsilon=float(params["epsilon"]),
        mean_gradient="mean_gradient = tf.Variable(tf.zeros_like(weights))\n" if centered else "",
        centering=_RMSPROP_CENTERED if centered else _RMSPROP_UNCENTERED,
    )


_TF2_MOMENTUM = """
# TF1's MomentumOptimizer adds up the gradients and multiplies the sum by the current rate;
# Keras's SGD adds up rate × gradient, which is the same only while the rate stays the same.
# With the schedule, TF1's rule instead, in float32 tf ops in its kernel's order:
{rate_definition}momentum = tf.constant({momentum!r})
accumulation = tf.Variable(tf.zeros_like(weights))


def apply_momentum(gradient, learning_rate):
    accumulation.assign(accumulation * momentum + gradient)
    weights.assign_sub({step})

"""


def _tf2_momentum(spec: TrainingSpec) -> str:
    params = spec.params()
    nesterov = "gradient * learning_rate + accumulation * momentum * learning_rate"
    return _TF2_MOMENTUM.format(
        rate_definition=_rate_definition(spec),
        momentum=float(params["momentum"]),
        step=nesterov if params["use_nesterov"] else "accumulation * learning_rate",
    )


def _tf2_adam(spec: TrainingSpec) -> str:
    params = {name: float(value) for name, value in spec.params().items()}
    return _TF2_ADAM.format(rate_definition=_rate_definition(spec), **params)


def _rate_definition(spec: TrainingSpec) -> str:
    """`learning_rate`: the run's constant, or its schedule, which the loop calls each step."""
    return keras_schedule(spec) or f"learning_rate = {spec.learning_rate!r}\n"


_WRITTEN_OUT: dict[str, Callable[[TrainingSpec], str]] = {
    "rmsprop": _tf2_rmsprop,
    "adam": _tf2_adam,
}


def _written_out(spec: TrainingSpec) -> Callable[[TrainingSpec], str] | None:
    """TF1's rule written out where Keras's optimizer computes other numbers: RMSProp and
    Adam always, Momentum under a schedule."""
    if spec.optimizer == "momentum" and spec.schedule is not None:
        return _tf2_momentum
    return _WRITTEN_OUT.get(spec.optimizer)


def _rate_now(spec: TrainingSpec) -> str:
    # A schedule's rate at the updates made so far: `step`, as TF1's global step counts them.
    return "learning_rate" if spec.schedule is None else "learning_rate(step)"


def _tf2_training_loss(spec: TrainingSpec) -> str:
    errors = "tf.matmul(inputs, weights) - target"
    if spec.batch_size is None:
        return f"        loss = {loss_of(errors, spec.loss)}  #@step\n"
    return (
        f"        errors = tf.gather({errors}, batch_for(step + 1))  #@step\n"
        f"        loss = {loss_of('errors', spec.loss)}  #@step\n"
    )


def _tf2_fields(source: ListingSource) -> dict[str, Any]:
    spec = source.spec
    written_out = _written_out(spec)
    return {
        "weights": initial_weights(source, "tf.random.normal"),
        "optimizer": keras_schedule(spec) + keras_optimizer(spec)
        if written_out is None
        else written_out(spec),
        "training_loss": _tf2_training_loss(spec),
        "apply": _KERAS_APPLY
        if written_out is None
        else f"apply_{spec.optimizer}(gradients[0], {_rate_now(spec)})",
        "loss_after": loss_of("tf.matmul(inputs, weights) - target", spec.loss),
    }


def tf2_listing(source: ListingSource, steps: int = STEPS) -> list[ListingLine]:
    """The same training in TF2: GradientTape computes the gradient, the optimizer applies it."""
    return parse(render(_TF2_TEMPLATE, source, _tf2_fields(source), steps))
