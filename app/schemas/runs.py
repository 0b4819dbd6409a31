"""Answers of the run routes: a run, its steps, its history pages, a stream's end, health."""

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field, computed_field

from app.domain.presets import PresetName
from app.domain.records import StepRecord, Weights
from app.domain.schedules import ScheduleName
from app.domain.spec import OPTIMIZER_CLASSES, LossName, OptimizerName
from app.schemas.values import finite_or_none


class WeightsPublic(BaseModel):
    b: float | None
    m: float | None

    @classmethod
    def of(cls, weights: Weights) -> Self:
        return cls.model_validate(weights_fields(weights))


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
        return cls.model_validate(step_fields(record))


def weights_fields(weights: Weights) -> dict[str, float | None]:
    """WeightsPublic's fields, for a body validated whole (see step_fields)."""
    return {"b": finite_or_none(weights.b), "m": finite_or_none(weights.m)}


def step_fields(record: StepRecord) -> dict[str, Any]:
    """StepPublic's fields as plain values. A body of many steps (a Run of 500, a history) is
    built from these and validated in one call: half the time of a model made for each step."""
    return {
        "step": record.step,
        "weights_before": weights_fields(record.weights_before),
        "gradient": weights_fields(record.gradient),
        "weights_after": weights_fields(record.weights_after),
        "loss_before": finite_or_none(record.loss_before),
        "loss_after": finite_or_none(record.loss_after),
        "diverged": record.diverged,
    }


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


class SchedulePublic(BaseModel):
    name: ScheduleName
    params: dict[str, float | bool | list[float]]


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
    learning_rate_schedule: SchedulePublic | None = Field(
        description="The tf.compat.v1.train decay of the learning rate, every parameter "
        "given; null for a constant rate."
    )
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
    assignment_id: str | None = Field(
        default=None,
        description="The teacher's assignment the run was started from (its link is "
        "/a/{assignment_id}), kept by forks and runs `based_on` it; null for any other run.",
    )
    display_name: str | None = Field(
        default=None,
        description="The name its student gave for the teacher's page (optional, at most 40 "
        "characters); null when none was given.",
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


class StepBatchPublic(BaseModel):
    records: list[StepPublic]
    current: CurrentPublic | None
    diverged: bool


class StreamEnd(BaseModel):
    """The final event of a stream."""

    reason: str = Field(
        description="'completed', 'diverged', 'stopped' (POST /stop), 'reset', 'error' "
        "(`detail` says why, e.g. the server's disk is full), 'busy' (no computation slot came "
        "free in time) or 'shutdown' (the server is stopping)."
    )
    step: int | None = Field(description="The last step this stream sent; null if none.")
    diverged: bool
    detail: str | None = None
    code: str | None = Field(
        default=None, description="With `detail`: the error's code, as error answers carry it."
    )
    params: dict[str, str | int | float] = Field(
        default_factory=dict, description="The values `detail` is made from, by name."
    )


class StreamsStopped(BaseModel):
    streams: int = Field(description="How many of the run's streams were told to stop.")


class StreamsShown(BaseModel):
    streams: int = Field(description="How many open streams took it: 0 once the stream ended.")


class Health(BaseModel):
    status: str = Field(description="'ok', or 'unhealthy' while writes are failing.")
    live_sessions: int
    writable: bool = Field(
        description="False while writes fail for lack of disk space: steps, new runs, forks "
        "and resets are refused (507) until a write succeeds again."
    )
    detail: str | None = None
