"""The sample program as runnable code, in compat.v1 form and in TF2 form, for a given run.

Each line may name the page action it corresponds to (so the page can highlight it) and a note
about an API the sample used under an older name. Running a listing prints, for every step, the
step number, the loss and b and m: the same numbers as the run, as the tests check. Any
optimizer, loss and batch size of a run is written out; the default run reads as the sample.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from app.domain.records import VariableState
from app.domain.run_config import RunConfig
from app.domain.spec import OPTIMIZER_CLASSES, LossName, TrainingSpec

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
    """What a listing reproduces: how the run trains, its data (recipe or points), its start."""

    spec: TrainingSpec
    num_points: int
    noise: float | None
    x_range: tuple[float, float] | None
    points: tuple[list[float], list[float]] | None  # Given by hand instead of the recipe.
    initial_weights: tuple[float, float] | None  # Given by hand instead of random_normal.

    @classmethod
    def of_run(
        cls,
        config: RunConfig,
        points: tuple[list[float], list[float]],
        initial_state: VariableState,
    ) -> "ListingSource":
        """The source of a stored run, from its config, points and initial state.

        A fork shares its original's config, initial state and first steps, so its listing
        is the original's and reproduces the whole of the fork's history.
        """
        (b,), (m,) = initial_state["weights"]
        return cls(
            spec=config.training,
            num_points=config.data.num_points,
            noise=config.data.noise,
            x_range=config.data.x_range,
            points=points if config.data.custom_points else None,
            # Runs given their own starting weights show them; others show random_normal.
            initial_weights=(b, m) if config.custom_initial_weights else None,
        )


# --- Pieces shared by both listings. ---

_WIDTH = 88  # Longer lines of a call are broken, for the page's narrow code columns.


def _data_lines(source: ListingSource) -> str:
    if source.points is not None:
        x, y = source.points
        return f"x = np.array({x!r})\ny = np.array({y!r})\n"
    assert source.x_range is not None
    return (
        f"num_examples = {source.num_points}\n"
        f"noise_factor = {source.noise!r}\n"
        f"line_x_range = ({source.x_range[0]!r}, {source.x_range[1]!r})\n"
        f"np.random.seed({source.spec.seed})\n"
        "X = np.array([np.linspace(*line_x_range, num_examples),\n"
        "              np.linspace(*line_x_range, num_examples)])\n"
        "X += np.random.randn(2, num_examples) * noise_factor\n"
        "x, y = X\n"
    )


def _initial_weights(source: ListingSource, random_normal: str) -> str:
    if source.initial_weights is not None:
        b, m = source.initial_weights
        return f"[[{b!r}], [{m!r}]]"
    return f"{random_normal}([2, 1], 0, 0.1, seed={source.spec.seed})"


# The engine's `batch_schedule`, written for learners: the same batches in the same order.
_BATCH_FUNCTION = """
batch_size = {batch_size}


def batch_for(step):
    # The points of mini-batch step `step` (1-based): each epoch visits them in a new order,
    # drawn from the seed and the epoch; the few left over at its end sit that epoch out.
    epoch, batch = divmod(step - 1, len(x) // batch_size)
    order = np.random.default_rng([{seed}, epoch]).permutation(len(x))
    return order[batch * batch_size:(batch + 1) * batch_size]

"""


def _batch_function(spec: TrainingSpec) -> str:
    if spec.batch_size is None:
        return ""
    return _BATCH_FUNCTION.format(batch_size=spec.batch_size, seed=spec.seed)


def _loss_of(errors: str, kind: LossName) -> str:
    """The run's loss of `errors` as code: the sample's l2_loss (Σe²/2) or the mean square."""
    if kind == "l2_loss":
        return f"tf.nn.l2_loss({errors})"
    return f"tf.reduce_mean(tf.square({errors}))"


def _v1_arguments(params: dict[str, float | bool]) -> str:
    """The optimizer's arguments on the line under its name, with the closing parenthesis,
    or above it when the line would be too long."""
    line = "    learning_rate" + "".join(f", {name}={value!r}" for name, value in params.items())
    return f"{line})" if len(line) < _WIDTH - len(".minimize(batch_loss)") else f"{line}\n)"


# --- compat.v1: the sample's own graph and session, with the run's optimizer. ---

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
{batch_loss}update_weights = tf.compat.v1.train.{optimizer_class}(  #@note:{train_note}
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
    batch_loss = _loss_of("tf.gather(yerror, batch_indices)", spec.loss)
    # The sample's optimizer keeps the sample's note key; the others have their own.
    train_note = "train" if spec.optimizer == "gradient_descent" else f"train_{spec.optimizer}"
    return {
        "learning_rate": spec.learning_rate,
        "weights": _initial_weights(source, "tf.compat.v1.random_normal"),
        "loss": _loss_of("yerror", spec.loss),
        "batch_loss": _V1_BATCH_LOSS.format(batch_loss=batch_loss) if mini_batch else "",
        "optimizer_class": OPTIMIZER_CLASSES[spec.optimizer],
        "train_note": train_note,
        "arguments": _v1_arguments(spec.params()),
        "minimized": "batch_loss" if mini_batch else "loss",
        "feed": "feed_dict={batch_indices: batch_for(step + 1)}" if mini_batch else "",
    }


# --- TF2: eager, GradientTape, and Keras's optimizer where it does TF1's arithmetic. ---

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

# Keras's names for TF1's parameters where they differ.
_KERAS_PARAM_NAMES = {"use_nesterov": "nesterov"}
_KERAS_CLASSES = {"gradient_descent": "SGD", "momentum": "SGD", "adagrad": "Adagrad"}
# Keras's Adagrad adds epsilon under the square root; TF1's adds nothing.
_ADAGRAD_COMMENT = "# epsilon=0.0: TF1's AdagradOptimizer adds nothing under the square root.\n"


def _keras_optimizer(spec: TrainingSpec) -> str:
    arguments = [f"learning_rate={spec.learning_rate!r}"]
    arguments += [f"{_KERAS_PARAM_NAMES.get(k, k)}={v!r}" for k, v in spec.params().items()]
    comment = ""
    if spec.optimizer == "adagrad":
        arguments.append("epsilon=0.0")
        comment = _ADAGRAD_COMMENT
    call = f"optimizer = tf.keras.optimizers.{_KERAS_CLASSES[spec.optimizer]}("
    joined = ", ".join(arguments)
    if len(call) + len(joined) + 1 > _WIDTH:
        call += "\n    "
    return f"{comment}{call}{joined})\n"


# Where Keras's optimizer does other arithmetic than TF1's, the script writes out TF1's rule
# as its kernel computes it (training_ops.cc), in float32, so the numbers agree to the bit.
_TF2_RMSPROP = """
# TF1's RMSPropOptimizer starts its mean square at 1; Keras's RMSprop starts at 0 and so
# would print other numbers. TF1's update rule instead, in float32 tf ops in its kernel's order:
learning_rate = {learning_rate!r}
decay, momentum, epsilon = tf.constant([{decay!r}, {momentum!r}, {epsilon!r}])
mean_square = tf.Variable(tf.ones_like(weights))
{mean_gradient}velocity = tf.Variable(tf.zeros_like(weights))


def apply_rmsprop(gradient):
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
learning_rate = {learning_rate!r}
beta1, beta2, epsilon = tf.constant([{beta1!r}, {beta2!r}, {epsilon!r}])
mean_gradient = tf.Variable(tf.zeros_like(weights))
mean_square = tf.Variable(tf.zeros_like(weights))
beta1_power, beta2_power = tf.Variable(beta1), tf.Variable(beta2)


def apply_adam(gradient):
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
        learning_rate=spec.learning_rate,
        decay=float(params["decay"]),
        momentum=float(params["momentum"]),
        epsilon=float(params["epsilon"]),
        mean_gradient="mean_gradient = tf.Variable(tf.zeros_like(weights))\n" if centered else "",
        centering=_RMSPROP_CENTERED if centered else _RMSPROP_UNCENTERED,
    )


def _tf2_adam(spec: TrainingSpec) -> str:
    params = {name: float(value) for name, value in spec.params().items()}
    return _TF2_ADAM.format(learning_rate=spec.learning_rate, **params)


_WRITTEN_OUT: dict[str, Callable[[TrainingSpec], str]] = {
    "rmsprop": _tf2_rmsprop,
    "adam": _tf2_adam,
}


def _tf2_training_loss(spec: TrainingSpec) -> str:
    errors = "tf.matmul(inputs, weights) - target"
    if spec.batch_size is None:
        return f"        loss = {_loss_of(errors, spec.loss)}  #@step\n"
    return (
        f"        errors = tf.gather({errors}, batch_for(step + 1))  #@step\n"
        f"        loss = {_loss_of('errors', spec.loss)}  #@step\n"
    )


def _tf2_fields(source: ListingSource) -> dict[str, Any]:
    spec = source.spec
    written_out = _WRITTEN_OUT.get(spec.optimizer)
    return {
        "weights": _initial_weights(source, "tf.random.normal"),
        "optimizer": _keras_optimizer(spec) if written_out is None else written_out(spec),
        "training_loss": _tf2_training_loss(spec),
        "apply": _KERAS_APPLY if written_out is None else f"apply_{spec.optimizer}(gradients[0])",
        "loss_after": _loss_of("tf.matmul(inputs, weights) - target", spec.loss),
    }


# --- Rendering. ---


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


def _render(template: str, source: ListingSource, fields: dict[str, Any], steps: int) -> str:
    return template.format(
        seed=source.spec.seed,
        data=_data_lines(source),
        batch_function=_batch_function(source.spec),
        steps=steps,
        **fields,
    )


def compat_v1_listing(source: ListingSource, steps: int = STEPS) -> list[ListingLine]:
    """The sample as written for TF 1.x, with today's names (`tf.compat.v1`)."""
    return _parse(_render(_V1_TEMPLATE, source, _v1_fields(source), steps))


def tf2_listing(source: ListingSource, steps: int = STEPS) -> list[ListingLine]:
    """The same training in TF2: GradientTape computes the gradient, the optimizer applies it."""
    return _parse(_render(_TF2_TEMPLATE, source, _tf2_fields(source), steps))


def as_text(lines: list[ListingLine]) -> str:
    return "\n".join(line.text for line in lines) + "\n"
