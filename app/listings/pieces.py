"""Pieces both listings share: the data, the initial weights, the batch function, the loss,
and the rendering of a template with them."""

from typing import Any

from app.domain.schedules import LearningRateSchedule
from app.domain.spec import LossName, TrainingSpec
from app.listings.source import ListingSource

WIDTH = 88  # Longer lines of a call are broken, for the page's narrow code columns.


def data_lines(source: ListingSource) -> str:
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


def initial_weights(source: ListingSource, random_normal: str) -> str:
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


def batch_function(spec: TrainingSpec) -> str:
    if spec.batch_size is None:
        return ""
    return _BATCH_FUNCTION.format(batch_size=spec.batch_size, seed=spec.seed)


def loss_of(errors: str, kind: LossName) -> str:
    """The run's loss of `errors` as code: the sample's l2_loss (Σe²/2) or the mean square."""
    if kind == "l2_loss":
        return f"tf.nn.l2_loss({errors})"
    return f"tf.reduce_mean(tf.square({errors}))"


def render(template: str, source: ListingSource, fields: dict[str, Any], steps: int) -> str:
    return template.format(
        seed=source.spec.seed,
        data=data_lines(source),
        batch_function=batch_function(source.spec),
        steps=steps,
        **fields,
    )


# Keras's names for TF1's parameters where they differ.
_KERAS_PARAM_NAMES = {"use_nesterov": "nesterov", "beta1": "beta_1", "beta2": "beta_2"}


_KERAS_CLASSES = {
    "gradient_descent": "SGD",
    "momentum": "SGD",
    "adagrad": "Adagrad",
    "adam": "Adam",
}


# Where Keras's defaults are not TF1's, the arguments say TF1's, and a comment says why.
_KERAS_COMMENTS = {
    # Keras's Adagrad adds epsilon under the square root; TF1's adds nothing.
    "adagrad": "# epsilon=0.0: TF1's AdagradOptimizer adds nothing under the square root.\n",
    "adam": (
        "# beta_1 and beta_2 are TF1's beta1 and beta2; epsilon is given, as Keras's default\n"
        "# is 1e-7 and TF1's AdamOptimizer's 1e-8.\n"
    ),
}


def keras_optimizer(spec: TrainingSpec, note: str | None = None) -> str:
    """`optimizer = tf.keras.optimizers.…(…)` with the run's parameters under Keras's names
    (SGD, Adagrad and Adam; RMSprop's arithmetic is not TF1's), its line marked with `note`;
    a scheduled rate is `learning_rate`, defined by `keras_schedule` before it."""
    rate = "learning_rate" if spec.schedule is not None else repr(spec.learning_rate)
    arguments = [f"learning_rate={rate}"]
    arguments += [f"{_KERAS_PARAM_NAMES.get(k, k)}={v!r}" for k, v in spec.params().items()]
    if spec.optimizer == "adagrad":
        arguments.append("epsilon=0.0")
    call = f"optimizer = tf.keras.optimizers.{_KERAS_CLASSES[spec.optimizer]}("
    mark = f"  #@note:{note}" if note else ""
    joined = ", ".join(arguments)
    if len(call) + len(joined) + 1 > WIDTH:
        call += f"{mark}\n    "
        mark = ""
    return f"{_KERAS_COMMENTS.get(spec.optimizer, '')}{call}{joined}){mark}\n"


# Keras's class for each of TF1's decay functions: the same arguments, the same arithmetic.
_KERAS_SCHEDULES = {
    "exponential_decay": "ExponentialDecay",
    "inverse_time_decay": "InverseTimeDecay",
    "polynomial_decay": "PolynomialDecay",
    "piecewise_constant": "PiecewiseConstantDecay",
    "cosine_decay": "CosineDecay",
}


def _schedule_arguments(schedule: LearningRateSchedule) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in schedule.params.items())


def v1_schedule(spec: TrainingSpec) -> str:
    """The lines that make the learning rate a decay of the global step, in TF1; nothing for
    a constant rate. minimize() then counts the global step up after each update."""
    schedule = spec.schedule
    if schedule is None:
        return ""
    # piecewise_constant takes its rates in `values`, not a learning rate to decay.
    first = "global_step" if schedule.name == "piecewise_constant" else "learning_rate, global_step"
    return (
        "global_step = tf.compat.v1.train.get_or_create_global_step()\n"
        f"learning_rate = tf.compat.v1.train.{schedule.name}(  #@note:schedule\n"
        f"    {first}, {_schedule_arguments(schedule)})\n"
    )


def keras_schedule(spec: TrainingSpec) -> str:
    """`learning_rate = tf.keras.optimizers.schedules.…(…)`, called with the number of updates
    made so far, as TF1 reads its global step; nothing for a constant rate."""
    schedule = spec.schedule
    if schedule is None:
        return ""
    first = "" if schedule.name == "piecewise_constant" else f"{spec.learning_rate!r}, "
    return (
        f"learning_rate = tf.keras.optimizers.schedules.{_KERAS_SCHEDULES[schedule.name]}("
        f"  #@note:keras_schedule\n    {first}{_schedule_arguments(schedule)})\n"
    )
