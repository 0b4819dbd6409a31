"""The compat.v1 listing: the sample's own graph and session, with the run's optimizer."""

from typing import Any

from app.domain.spec import OPTIMIZER_CLASSES
from app.listings.pieces import WIDTH, initial_weights, loss_of, render, v1_schedule
from app.listings.source import STEPS, ListingLine, ListingSource, parse


def _v1_arguments(params: dict[str, float | bool]) -> str:
    """The optimizer's arguments on the line under its name, with the closing parenthesis,
    or above it when the line would be too long."""
    line = "    learning_rate" + "".join(f", {name}={value!r}" for name, value in params.items())
    return f"{line})" if len(line) < WIDTH - len(".minimize(batch_loss)") else f"{line}\n)"


_V1_TEMPLATE = """import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()  #@note:eager
tf.compat.v1.set_random_seed({seed})

{data}x_with_bias = np.array([(1., a) for a in x]).astype(np.float32)
{batch_function}
losses = []
history = []
learning_rate = {learning_rate!r}

input = tf.constant(x_with_bias)
target = tf.constant(np.transpose([y]).astype(np.float32))
weights = tf.Variable({weights})  #@note:random_normal

yhat = tf.matmul(input, weights)
yerror = tf.subtract(yhat, target)  #@note:subtract
loss = {loss}
{batch_loss}{schedule}update_weights = tf.compat.v1.train.{optimizer_class}(  #@note:{train_note}
{arguments}.minimize({minimized})

with tf.compat.v1.Session() as sess:  #@note:session
    sess.run(tf.compat.v1.global_variables_initializer())  #@init #@note:initializer
    for step in range({steps}):
        update_weights.run({feed})  #@step
        losses.append(loss.eval())  #@evaluate
        b, m = weights.eval()  #@evaluate
        history.append((b, m, step))
        print(step + 1, losses[-1], b[0], m[0])
"""


# A mini-batch run minimises the loss of the points fed to `batch_indices`, as the engine does.
_V1_BATCH_LOSS = (
    "batch_indices = tf.compat.v1.placeholder(tf.int32, [batch_size])  #@note:placeholder\n"
    "batch_loss = {batch_loss}\n"
)


def _v1_fields(source: ListingSource) -> dict[str, Any]:
    spec = source.spec
    mini_batch = spec.batch_size is not None
    batch_loss = loss_of("tf.gather(yerror, batch_indices)", spec.loss)
    # The sample's optimizer keeps the sample's note key; the others have their own.
    train_note = "train" if spec.optimizer == "gradient_descent" else f"train_{spec.optimizer}"
    return {
        "learning_rate": spec.learning_rate,
        "weights": initial_weights(source, "tf.compat.v1.random_normal"),
        "loss": loss_of("yerror", spec.loss),
        "batch_loss": _V1_BATCH_LOSS.format(batch_loss=batch_loss) if mini_batch else "",
        "optimizer_class": OPTIMIZER_CLASSES[spec.optimizer],
        "train_note": train_note,
        "arguments": _v1_arguments(spec.params()),
        "schedule": v1_schedule(spec),
        # A schedule reads the global step, which minimize() counts up after each update.
        "minimized": ("batch_loss" if mini_batch else "loss")
        + (", global_step=global_step" if spec.schedule is not None else ""),
        "feed": "feed_dict={batch_indices: batch_for(step + 1)}" if mini_batch else "",
    }


def compat_v1_listing(source: ListingSource, steps: int = STEPS) -> list[ListingLine]:
    """The sample as written for TF 1.x, with today's names (`tf.compat.v1`)."""
    return parse(render(_V1_TEMPLATE, source, _v1_fields(source), steps))
