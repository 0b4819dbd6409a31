"""The Keras listing: a Sequential model of one Dense unit (its kernel is m, its bias b)
trained by `fit`, with a callback that prints the run's numbers after every update.

Keras adds its numbers in other orders than TF1's kernels (Dense's bias gradient, SGD's
momentum, Adam's powers of beta), so the script prints the run's trajectory to float32's
rounding rather than to the bit (tests/listings/test_scripts.py states the tolerance). Where
Keras does other arithmetic altogether, there is no Keras listing (`keras_unavailable`).
"""

from typing import Any

from app.domain.spec import LossName, OptimizerName, TrainingSpec
from app.listings.pieces import initial_weights, keras_optimizer, keras_schedule, render
from app.listings.source import STEPS, ListingLine, ListingSource, parse

_KERAS_TEMPLATE = """import numpy as np
import tensorflow as tf

tf.random.set_seed({seed})

{data}{batch_function}
inputs = x.reshape(-1, 1).astype(np.float32)  # One feature a row: x.
targets = y.reshape(-1, 1).astype(np.float32)

model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), tf.keras.layers.Dense(1)])
(b,), (m,) = np.array({weights}, dtype=np.float32)
model.layers[0].set_weights([np.array([[m]]), np.array([b])])  #@init #@note:keras_dense
{loss_function}
{optimizer}model.compile(optimizer=optimizer, loss={loss_name}, jit_compile=False)  #@init


class PrintEachStep(tf.keras.callbacks.Callback):
    # After every update: the loss on all the points, then b and m, as the sample prints them.
    def __init__(self):
        super().__init__()
        self.step = 0

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        loss_after = {loss_name}(targets, self.model(inputs))  #@evaluate
        kernel, bias = self.model.layers[0].get_weights()  #@evaluate
        print(self.step, float(loss_after), bias[0], kernel[0, 0])

{fit}"""


# The loss as the run's session computes it, so that Keras differentiates the same function;
# Keras averages a loss function's values over the batch, and one value averages to itself.
_LOSS_FUNCTIONS: dict[LossName, str] = {
    "l2_loss": """
def l2_loss(targets, predictions):
    # The sample's loss: tf.nn.l2_loss of the errors, half the sum of their squares.
    return tf.nn.l2_loss(predictions - targets)
""",
    "mean_squared_error": """
def mean_squared_error(targets, predictions):
    # The run's loss as its session computes it: the mean of the squared errors.
    return tf.reduce_mean(tf.square(predictions - targets))
""",
}


_FULL_BATCH_FIT = """
# Every point in every update: one batch of them all an epoch, one epoch a step.
model.fit(inputs, targets, batch_size=len(x), epochs={steps}, shuffle=False,  #@step
          verbose=0, callbacks=[PrintEachStep()])
"""


_MINI_BATCH_FIT = """
# Keras's own shuffling would draw other batches than the run's: the points are laid out in
# the run's batches instead (batch_for), and fit takes them in that order, unshuffled.
order = np.concatenate([batch_for(step) for step in range(1, {steps} + 1)])
model.fit(inputs[order], targets[order], batch_size=batch_size, epochs=1,  #@step
          shuffle=False, verbose=0, callbacks=[PrintEachStep()])
"""


# Optimizers whose Keras class computes other numbers than TF1's, and the message (a key of
# app/locales) the page shows instead of a listing.
_UNAVAILABLE: dict[OptimizerName, str] = {
    # Keras's RMSprop starts its mean square at 0, TF1's RMSPropOptimizer at 1, and Keras
    # offers no way to start it elsewhere: every step would differ.
    "rmsprop": "code.keras_rmsprop",
}


def keras_unavailable(spec: TrainingSpec) -> str | None:
    """Why no Keras script prints this run's numbers (a message key), or None."""
    if spec.optimizer == "momentum" and spec.schedule is not None:
        # Keras's SGD adds up rate × gradient, TF1's MomentumOptimizer adds up gradients and
        # multiplies the sum by the current rate: the same only while the rate stays put.
        return "code.keras_scheduled_momentum"
    return _UNAVAILABLE.get(spec.optimizer)


def _keras_fields(source: ListingSource, steps: int) -> dict[str, Any]:
    spec = source.spec
    optimizer_note = "keras_sgd" if _is_sgd(spec) else None
    return {
        "weights": initial_weights(source, "tf.random.normal"),
        "loss_function": _LOSS_FUNCTIONS[spec.loss],
        "loss_name": spec.loss,
        "optimizer": keras_schedule(spec) + keras_optimizer(spec, optimizer_note),
        "fit": (_FULL_BATCH_FIT if spec.batch_size is None else _MINI_BATCH_FIT).format(
            steps=steps
        ),
    }


def _is_sgd(spec: TrainingSpec) -> bool:
    return spec.optimizer in ("gradient_descent", "momentum")


def keras_listing(source: ListingSource, steps: int = STEPS) -> list[ListingLine]:
    """The same training in Keras. Raises ValueError where `keras_unavailable` says why not."""
    if keras_unavailable(source.spec) is not None:
        raise ValueError(f"Keras cannot reproduce a {source.spec.optimizer} run")
    return parse(render(_KERAS_TEMPLATE, source, _keras_fields(source, steps), steps))
