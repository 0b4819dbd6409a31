"""Answers of the inspection routes: a step explained, the graph, a node, the loss surface."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.spec import LossName, OptimizerName
from app.schemas.runs import SchedulePublic, WeightsPublic


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
    learning_rate: float = Field(
        description="The step's rate by the schedule's formula (the run's rate without one)."
    )
    weights_after: WeightsPublic | None
    after: dict[str, list[float | None]] | None = Field(
        description="NumPy's value of every variable the update changes, by role."
    )
    max_abs_difference: float | None
    max_rel_difference: float | None
    within_float32_rounding: bool = Field(
        description="Whether every difference is within float32 rounding of the sums' terms."
    )


class NextUpdatePublic(BaseModel):
    """The next step as TensorFlow makes it: the run's session runs the update op from the
    run's current state, reads what it did, and sets every variable back, bit for bit. The
    step, when it runs, produces exactly these values."""

    weights_after: WeightsPublic
    loss_after: float | None
    variables_after: dict[str, list[float | None]] = Field(
        description="Each variable the update changes, by role, as the update leaves it."
    )


class StepDetailPublic(BaseModel):
    """How step `step` changed the weights, with TensorFlow's numbers and NumPy's check."""

    step: int
    applied: bool = Field(description="false for the next step, which has not run yet.")
    learning_rate: float = Field(
        description="The rate this step uses: the run's learning_rate, or its schedule's value "
        "at global step `step` − 1 (the optimizer counts the step after it), computed by the "
        "run's session."
    )
    learning_rate_schedule: SchedulePublic | None = Field(
        description="The run's schedule (see RunConfigPublic); null for a constant rate."
    )
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
    preview: NextUpdatePublic | None = Field(
        description="For the next, unapplied step: TensorFlow's own update, computed by the "
        "run's session without keeping it. Null for a step already applied."
    )


class GraphNodePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    op: str
    origin: str = Field(
        description="'learner', 'minimize' (added by minimize()) or 'stepwise' (added by"
        " Stepwise: its reads and the global step's counter)."
    )
    inputs: list[str]
    control_inputs: list[str]
    in_evaluate: bool = Field(description="Runs when loss.eval() and weights.eval() run.")
    in_step: bool = Field(description="Runs when update_weights.run() runs.")
    initializer_only: bool = Field(description="Runs only when the variables are initialised.")
    readable: bool = Field(description="Its value can be shown without changing the run.")
    unreadable: str | None = Field(
        description="Why not: 'no_output', 'handle', 'needs_feed', 'changes_run', 'random' "
        "or 'in_branch'."
    )
    role: str | None = Field(
        description="What it is for: 'update' (the op that changes the weights), 'count_step'"
        " (Stepwise's global_step += 1, which the sample's minimize(loss) does not add) or null."
    )


class GraphPublic(BaseModel):
    nodes: list[GraphNodePublic]


class NodeValuePublic(BaseModel):
    node: str
    op: str
    dtype: str
    shape: list[int]
    value: Any = Field(description="Nested lists; null where a value is not finite.")


class LearningRatesPublic(BaseModel):
    """The learning rate of each step of a range, computed by the run's session."""

    first_step: int
    learning_rates: list[float] = Field(
        description="The rate of step first_step + i, which the update at global step "
        "first_step + i − 1 uses; a constant rate repeats."
    )


class LossSurfacePublic(BaseModel):
    b: list[float]
    m: list[float]
    loss: list[list[float | None]] = Field(description="loss[i][j] at b[j], m[i].")
