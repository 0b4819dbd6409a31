"""Request and response bodies of the JSON API."""

import math
from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    computed_field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.domain.presets import PresetName
from app.domain.records import StepRecord, Weights
from app.domain.spec import (
    MAX_LEARNING_RATE,
    OPTIMIZER_CLASSES,
    LossName,
    OptimizerName,
    OptimizerParams,
)

# Bounds keep every value, and the squares the loss takes of it, inside float32's range.
COORDINATE_LIMIT = 1e6
FLOAT32_SMALLEST_NORMAL = 1.1754943508222875e-38
# Query strings are text, so query values are converted; JSON bodies are taken strictly, so
# `true` or `"3"` is refused where a number is expected.
QueryCoordinate = Annotated[
    float, Field(ge=-COORDINATE_LIMIT, le=COORDINATE_LIMIT, allow_inf_nan=False)
]
Coordinate = Annotated[QueryCoordinate, Strict()]


def _whole_float_as_int(value: object) -> object:
    """JSON Schema counts 2.0 as an integer, so a body's 2.0 is taken as 2; 2.5 is refused."""
    if not isinstance(value, float) or not math.isfinite(value):
        return value  # Left to the strict int: an int passes, anything else is refused.
    if not value.is_integer():
        raise PydanticCustomError(
            "int_from_float", "Input should be a whole number, not one with a fractional part"
        )
    return int(value)


# Every integer of a request body: strict, except that a whole float counts as an integer.
StrictInt = Annotated[int, Strict(), BeforeValidator(_whole_float_as_int)]
StrictFloat = Annotated[float, Strict()]
StrictBool = Annotated[bool, Strict()]
# Decay rates of the optimizers' running averages: a rate of 1 would never forget.
DecayRate = Annotated[StrictFloat, Field(ge=0.0, lt=1.0, allow_inf_nan=False)]
# Epsilons are added to a square root; in float32 anything below the smallest normal is 0.
Epsilon = Annotated[StrictFloat, Field(ge=FLOAT32_SMALLEST_NORMAL, le=1.0, allow_inf_nan=False)]
MAX_CSV_CHARS = 200_000


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN or inf: a value that overflowed is sent as null."""
    return value if math.isfinite(value) else None


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: Coordinate
    y: Coordinate


class WeightsIn(BaseModel):
    """`[b, m]`: intercept and slope."""

    model_config = ConfigDict(extra="forbid")

    b: Coordinate
    m: Coordinate


class _OptimizerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def params(self) -> OptimizerParams:
        return self.model_dump(exclude={"name"})


class GradientDescentIn(_OptimizerIn):
    """`tf.compat.v1.train.GradientDescentOptimizer`: w ← w − lr·g (the sample's)."""

    name: Literal["gradient_descent"] = "gradient_descent"


class MomentumIn(_OptimizerIn):
    """`MomentumOptimizer`: a ← momentum·a + g; w ← w − lr·a.

    With Nesterov: w ← w − lr·(g + momentum·a).
    """

    name: Literal["momentum"]
    momentum: DecayRate = 0.9
    use_nesterov: StrictBool = False


class AdagradIn(_OptimizerIn):
    """`AdagradOptimizer`: acc ← acc + g²; w ← w − lr·g/√acc."""

    name: Literal["adagrad"]
    initial_accumulator_value: StrictFloat = Field(
        default=0.1, ge=FLOAT32_SMALLEST_NORMAL, le=1e6, allow_inf_nan=False
    )


class RMSPropIn(_OptimizerIn):
    """`RMSPropOptimizer`: ms ← decay·ms + (1−decay)·g²; w ← w − mom, with
    mom ← momentum·mom + lr·g/√(ms + ε) (centered: ms − mg² under the root)."""

    name: Literal["rmsprop"]
    decay: DecayRate = 0.9
    momentum: DecayRate = 0.0
    epsilon: Epsilon = 1e-10
    centered: StrictBool = False


class AdamIn(_OptimizerIn):
    """`AdamOptimizer`: running means m and v of g and g², with bias correction."""

    name: Literal["adam"]
    beta1: DecayRate = 0.9
    beta2: DecayRate = 0.999
    epsilon: Epsilon = 1e-8


def _optimizer_tag(value: Any) -> str | None:
    """The optimizer `name` picks; left out, gradient descent, as its schema's default says
    (a plain `discriminator="name"` refused `{}`, which the published schema allows)."""
    if isinstance(value, dict):
        name = value.get("name", "gradient_descent")
        return name if isinstance(name, str) else None
    return getattr(value, "name", None)


OptimizerIn = Annotated[
    Annotated[GradientDescentIn, Tag("gradient_descent")]
    | Annotated[MomentumIn, Tag("momentum")]
    | Annotated[AdagradIn, Tag("adagrad")]
    | Annotated[RMSPropIn, Tag("rmsprop")]
    | Annotated[AdamIn, Tag("adam")],
    Discriminator(
        _optimizer_tag,
        custom_error_type="optimizer_name",
        custom_error_message=f"name must be one of {', '.join(OPTIMIZER_CLASSES)}",
    ),
]


class RunCreate(BaseModel):
    """Settings of a new run; every field defaults to the sample program's choice."""

    model_config = ConfigDict(extra="forbid")

    learning_rate: StrictFloat = Field(
        default=0.002,
        gt=0.0,
        le=MAX_LEARNING_RATE,
        allow_inf_nan=False,
        description="Step size of gradient descent (the sample uses 0.002).",
    )
    seed: StrictInt = Field(
        default=0,
        ge=0,
        le=2**31 - 1,
        description="Seed of the sample's noise and of random_normal's initial weights.",
    )
    num_points: StrictInt = Field(
        default=5, ge=2, description="Points the sample's recipe makes (ignored with `points`)."
    )
    noise: StrictFloat = Field(
        default=1.5,
        ge=0.0,
        le=1e4,
        allow_inf_nan=False,
        description="Standard deviation of the noise added to x and y.",
    )
    x_range: tuple[Coordinate, Coordinate] = Field(
        default=(-10.0, 10.0), description="Where the sample's evenly spaced x values lie."
    )
    points: list[Point] | None = Field(
        default=None, description="Your own points instead of the sample's recipe."
    )
    preset: PresetName | None = Field(
        default=None,
        description="A ready-made dataset: 'sample', 'outlier', 'steep' or 'far_from_zero'.",
    )
    points_csv: str | None = Field(
        default=None,
        max_length=MAX_CSV_CHARS,
        description="Your own points as CSV text, one `x,y` per line (a header line is allowed).",
    )
    initial_weights: WeightsIn | None = Field(
        default=None, description="Starting [b, m] instead of random_normal([2,1], 0, 0.1)."
    )
    optimizer: OptimizerIn = Field(
        default_factory=GradientDescentIn,
        description="The tf.compat.v1.train optimizer and its parameters, chosen by `name`.",
    )
    loss: LossName = Field(
        default="l2_loss",
        description="'l2_loss' (Σe²/2, the sample's) or 'mean_squared_error' (Σe²/n).",
    )
    batch_size: StrictInt | None = Field(
        default=None,
        ge=1,
        description="Points per step for mini-batch SGD; null uses every point (the sample).",
    )
    based_on: str | None = Field(
        default=None,
        max_length=64,
        description="The run this one is made from (the page's New run form and retry). If "
        "that run is part of an assignment, the new run keeps its locked settings and must "
        "have the same values for them.",
    )

    @field_validator("learning_rate")
    @classmethod
    def _representable_in_float32(cls, value: float) -> float:
        if value < FLOAT32_SMALLEST_NORMAL:
            raise ValueError("learning_rate is too small: in float32 it would be 0")
        return value

    @model_validator(mode="after")
    def _x_range_is_ordered(self) -> Self:
        if self.x_range[0] >= self.x_range[1]:
            raise ValueError("x_range must be [low, high] with low < high")
        return self

    @model_validator(mode="after")
    def _one_source_of_points(self) -> Self:
        given = [
            name for name in ("points", "points_csv", "preset") if getattr(self, name) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give only one of points, points_csv and preset, not {given}")
        return self


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: StrictInt = Field(
        default=1, description="How many updates to apply (1 to the server's maximum)."
    )


class WeightsPublic(BaseModel):
    b: float | None
    m: float | None

    @classmethod
    def of(cls, weights: Weights) -> Self:
        return cls(b=finite_or_none(weights.b), m=finite_or_none(weights.m))


class StepPublic(BaseModel):
    """One update as TensorFlow computed it; `null` marks a value that overflowed."""

    step: int = Field(description="Updates applied so far, counting this one (1-based).")
    weights_before: WeightsPublic
    gradient: WeightsPublic = Field(description="dL/db and dL/dm that the update applied.")
    weights_after: WeightsPublic
    loss_before: float | None
    loss_after: float | None = Field(description="What loss.eval() returns after this step.")
    diverged: bool

    @classmethod
    def of(cls, record: StepRecord) -> Self:
        return cls(
            step=record.step,
            weights_before=WeightsPublic.of(record.weights_before),
            gradient=WeightsPublic.of(record.gradient),
            weights_after=WeightsPublic.of(record.weights_after),
            loss_before=finite_or_none(record.loss_before),
            loss_after=finite_or_none(record.loss_after),
            diverged=record.diverged,
        )


class StepEvent(StepPublic):
    """A streamed step, with the predictions `yhat` of the weights it produced."""

    predictions: list[float | None]


class CurrentPublic(BaseModel):
    """What the run's session reads now: `loss.eval()`, `weights.eval()` and `yhat`."""

    step: int
    weights: WeightsPublic
    loss: float | None
    predictions: list[float | None]


class PointsPublic(BaseModel):
    x: list[float]
    y: list[float]


class ForkOriginPublic(BaseModel):
    run_id: str
    step: int


class RunConfigPublic(BaseModel):
    learning_rate: float
    seed: int
    num_points: int
    noise: float | None = Field(description="null when the points were given by the client.")
    x_range: tuple[float, float] | None
    custom_points: bool
    custom_initial_weights: bool
    optimizer: OptimizerName
    optimizer_params: dict[str, float | bool] = Field(
        description="Every parameter of the optimizer's constructor, defaults included."
    )
    loss: LossName
    batch_size: int | None
    preset: PresetName | None
    forked_from: ForkOriginPublic | None
    locks: list[str] = Field(
        description="Settings a teacher's assignment link locked: 'learning_rate', "
        "'optimizer', 'loss', 'batch_size', 'seed', 'data', 'initial_weights'.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def optimizer_class(self) -> str:
        """The tf.compat.v1.train class the run uses, e.g. 'AdamOptimizer'."""
        return OPTIMIZER_CLASSES[self.optimizer]


class StabilityPublic(BaseModel):
    """How large a learning rate this data allows, from the Hessian TensorFlow computes.

    The loss is quadratic in the weights, so its Hessian H (XᵀX for l2_loss, 2XᵀX/n for the
    mean squared error) is constant. Gradient descent converges exactly when lr < 2/λ_max(H).
    """

    hessian_eigenvalues: tuple[float, float] = Field(description="λ_min and λ_max of H.")
    max_stable_learning_rate: float | None = Field(
        description="The largest stable rate for this optimizer; null where none is known "
        "(Adagrad, RMSProp and Adam scale each step themselves)."
    )
    gradient_descent_limit: float = Field(description="2/λ_max: plain gradient descent's limit.")
    suggested_learning_rate: float = Field(
        description="Half the limit, rounded down: safely stable for gradient descent."
    )


class RunPublic(BaseModel):
    id: str
    url: str = Field(description="The page of this run: the link to share.")
    created_at: datetime
    config: RunConfigPublic
    points: PointsPublic
    answer: WeightsPublic = Field(description="The closed-form fit, np.polyfit(x, y, 1).")
    initial_weights: WeightsPublic
    steps: int = Field(description="How many steps the run has.")
    history: list[StepPublic] = Field(
        description="Every step when `history_thinned` is false. A longer history (over 2,000 "
        "steps) is thinned for drawing: every k-th step from step 1 and the last 500 steps "
        "all; GET /api/runs/{id}/history reads every step, page by page."
    )
    history_thinned: bool
    current: CurrentPublic | None = Field(description="null once the run has diverged.")
    diverged: bool
    diverged_at: int | None
    stability: StabilityPublic
    owned: bool = Field(
        description="Whether changing the run needs its owner token; false for runs stored "
        "before owner tokens existed, which anyone may change."
    )


class HistoryPage(BaseModel):
    """Consecutive steps of a run's history."""

    records: list[StepPublic]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page holds the last step."
    )


class RunCreated(RunPublic):
    """The answer that creates a run: the run, and once only, its owner token."""

    owner_token: str = Field(
        description="Send it as the X-Owner-Token header to step, stream or reset this run. "
        "It is not shown again: the server keeps only its hash."
    )


class ForkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: StrictInt = Field(
        ge=0, description="Continue from the state after this step (0: the start)."
    )


class StepBatchPublic(BaseModel):
    records: list[StepPublic]
    current: CurrentPublic | None
    diverged: bool


class StreamEnd(BaseModel):
    """The final event of a stream."""

    reason: str = Field(
        description="'completed', 'diverged', 'reset', 'error' (`detail` says why, e.g. the "
        "server's disk is full), 'busy' (no computation slot came free in time) or 'shutdown' "
        "(the server is stopping)."
    )
    step: int | None = Field(description="The last step this stream sent; null if none.")
    diverged: bool
    detail: str | None = None


class Health(BaseModel):
    status: str = Field(description="'ok', or 'unhealthy' while writes are failing.")
    live_sessions: int
    writable: bool = Field(
        description="False while writes fail for lack of disk space: steps, new runs, forks "
        "and resets are refused (507) until a write succeeds again."
    )
    detail: str | None = None


class PointShare(BaseModel):
    """One point's part in a gradient: dL/db gets r_i, dL/dm gets r_i·x_i."""

    x: float
    y: float
    prediction: float | None = Field(description="yhat_i at the step's starting weights.")
    residual: float | None = Field(description="r_i = yhat_i − y_i.")
    contribution_b: float | None = Field(description="dL/dyhat_i: r_i for l2_loss, 2r_i/n for MSE.")
    contribution_m: float | None = Field(description="dL/dyhat_i · x_i.")
    in_batch: bool = Field(description="Whether this step's (mini-)batch includes the point.")


class UpdateCheckPublic(BaseModel):
    """NumPy's float64 gradient and the optimizer's documented update, and the largest gap
    to TensorFlow's numbers."""

    gradient: WeightsPublic
    weights_after: WeightsPublic | None
    after: dict[str, list[float | None]] | None = Field(
        description="NumPy's value of every variable the update changes, by role."
    )
    max_abs_difference: float | None
    max_rel_difference: float | None
    within_float32_rounding: bool = Field(
        description="Whether every difference is within float32 rounding of the sums' terms."
    )


class StepDetailPublic(BaseModel):
    """How step `step` changed the weights, with TensorFlow's numbers and NumPy's check."""

    step: int
    applied: bool = Field(description="false for the next step, which has not run yet.")
    learning_rate: float
    optimizer: OptimizerName
    optimizer_params: dict[str, float | bool]
    loss: LossName
    batch: list[int] | None = Field(description="The points this step used; null: all.")
    variables_before: dict[str, list[float | None]] | None = Field(
        description="Each variable the update changes, by role ('weights' as [b, m], the "
        "optimizer's slots such as 'm' and 'v', Adam's 'beta1_power'), before the step."
    )
    variables_after: dict[str, list[float | None]] | None = Field(
        description="The same variables after the step; null until it is applied."
    )
    weights_before: WeightsPublic
    gradient: WeightsPublic | None = Field(description="The gradient TensorFlow computed.")
    weights_after: WeightsPublic | None
    loss_before: float | None
    loss_after: float | None
    points: list[PointShare]
    check: UpdateCheckPublic | None


class GraphNodePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    op: str
    origin: str = Field(description="'learner', 'minimize' (added by minimize()) or 'stepwise'.")
    inputs: list[str]
    control_inputs: list[str]
    in_evaluate: bool = Field(description="Runs when loss.eval() and weights.eval() run.")
    in_step: bool = Field(description="Runs when update_weights.run() runs.")
    initializer_only: bool = Field(description="Runs only when the variables are initialised.")
    readable: bool = Field(description="Its value can be shown without changing the run.")
    unreadable: str | None = Field(
        description="Why not: 'no_output', 'handle', 'needs_feed', 'changes_run' or 'random'."
    )


class GraphPublic(BaseModel):
    nodes: list[GraphNodePublic]


class NodeValuePublic(BaseModel):
    node: str
    op: str
    dtype: str
    shape: list[int]
    value: Any = Field(description="Nested lists; null where a value is not finite.")


class LossSurfacePublic(BaseModel):
    b: list[float]
    m: list[float]
    loss: list[list[float | None]] = Field(description="loss[i][j] at b[j], m[i].")
