"""The sample program as runnable code, in compat.v1 form and in TF2 form, for a given run.

Each line may name the page action it corresponds to (so the page can highlight it) and a note
about an API the sample used under an older name. Running a listing prints, for every step, the
step number, the loss and b and m: the same numbers as the run, as the tests check.
"""

from dataclasses import dataclass
from typing import Literal

Action = Literal["init", "step", "evaluate"]
_ACTIONS: tuple[Action, ...] = ("init", "step", "evaluate")
_MARK = "  #@"  # Ends a template line: `#@action` and/or `#@note:key`, never shown.

STEPS = 50


@dataclass(frozen=True)
class ListingLine:
    text: str
    action: Action | None = None
    note: str | None = None  # A message key, e.g. "code.note.subtract".


@dataclass(frozen=True)
class ListingSource:
    """What a listing reproduces: the run's data (recipe or points) and starting weights."""

    learning_rate: float
    seed: int
    num_points: int
    noise: float | None
    x_range: tuple[float, float] | None
    points: tuple[list[float], list[float]] | None  # Given by hand instead of the recipe.
    initial_weights: tuple[float, float] | None  # Given by hand instead of random_normal.


def _data_lines(source: ListingSource) -> str:
    if source.points is not None:
        x, y = source.points
        return f"x = np.array({x!r})\ny = np.array({y!r})\n"
    assert source.x_range is not None
    return (
        f"num_examples = {source.num_points}\n"
        f"noise_factor = {source.noise!r}\n"
        f"line_x_range = ({source.x_range[0]!r}, {source.x_range[1]!r})\n"
        f"np.random.seed({source.seed})\n"
        "X = np.array([np.linspace(*line_x_range, num_examples),\n"
        "              np.linspace(*line_x_range, num_examples)])\n"
        "X += np.random.randn(2, num_examples) * noise_factor\n"
        "x, y = X\n"
    )


def _initial_weights(source: ListingSource, random_normal: str) -> str:
    if source.initial_weights is not None:
        b, m = source.initial_weights
        return f"[[{b!r}], [{m!r}]]"
    return f"{random_normal}([2, 1], 0, 0.1, seed={source.seed})"


_V1_TEMPLATE = """import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()  #@note:eager
tf.compat.v1.set_random_seed({seed})

{data}x_with_bias = np.array([(1., a) for a in x]).astype(np.float32)

losses = []
history = []
learning_rate = {learning_rate!r}

input = tf.constant(x_with_bias)
target = tf.constant(np.transpose([y]).astype(np.float32))
weights = tf.Variable({weights})  #@note:random_normal

yhat = tf.matmul(input, weights)
yerror = tf.subtract(yhat, target)  #@note:subtract
loss = tf.nn.l2_loss(yerror)
update_weights = tf.compat.v1.train.GradientDescentOptimizer(  #@note:train
    learning_rate).minimize(loss)

with tf.compat.v1.Session() as sess:  #@note:session
    sess.run(tf.compat.v1.global_variables_initializer())  #@init #@note:initializer
    for step in range({steps}):
        update_weights.run()  #@step
        losses.append(loss.eval())  #@evaluate
        b, m = weights.eval()  #@evaluate
        history.append((b, m, step))
        print(step + 1, losses[-1], b[0], m[0])
"""

_TF2_TEMPLATE = """import numpy as np
import tensorflow as tf

tf.random.set_seed({seed})

{data}x_with_bias = np.array([(1., a) for a in x]).astype(np.float32)

inputs = tf.constant(x_with_bias)
target = tf.constant(np.transpose([y]).astype(np.float32))
weights = tf.Variable({weights})  #@init
optimizer = tf.keras.optimizers.SGD(learning_rate={learning_rate!r})

for step in range({steps}):
    with tf.GradientTape() as tape:  #@step
        loss = tf.nn.l2_loss(tf.matmul(inputs, weights) - target)  #@step
    gradients = tape.gradient(loss, [weights])  #@step
    optimizer.apply_gradients(zip(gradients, [weights]))  #@step
    loss_after = tf.nn.l2_loss(tf.matmul(inputs, weights) - target)  #@evaluate
    b, m = weights.numpy()  #@evaluate
    print(step + 1, float(loss_after), b[0], m[0])
"""


def _parse(template: str) -> list[ListingLine]:
    lines = []
    for raw in template.splitlines():
        text, _, marks = raw.partition(_MARK)
        action: Action | None = None
        note = None
        for mark in marks.replace("#@", " ").split():
            if mark.startswith("note:"):
                note = f"code.note.{mark.removeprefix('note:')}"
            elif mark in _ACTIONS:
                action = mark
        lines.append(ListingLine(text=text.rstrip(), action=action, note=note))
    return lines


def _render(template: str, source: ListingSource, random_normal: str) -> list[ListingLine]:
    return _parse(
        template.format(
            seed=source.seed,
            data=_data_lines(source),
            learning_rate=source.learning_rate,
            weights=_initial_weights(source, random_normal),
            steps=STEPS,
        )
    )


def compat_v1_listing(source: ListingSource) -> list[ListingLine]:
    """The sample as written for TF 1.x, with today's names (`tf.compat.v1`)."""
    return _render(_V1_TEMPLATE, source, "tf.compat.v1.random_normal")


def tf2_listing(source: ListingSource) -> list[ListingLine]:
    """The same training in TF2: GradientTape computes the gradient, apply_gradients applies it."""
    return _render(_TF2_TEMPLATE, source, "tf.random.normal")


def as_text(lines: list[ListingLine]) -> str:
    return "\n".join(line.text for line in lines) + "\n"
