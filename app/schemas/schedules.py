"""The learning-rate schedule a new run asks for: one body per `tf.compat.v1.train` decay
function, with that function's own parameters and names."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from app.domain.schedules import SCHEDULE_DEFAULTS, LearningRateSchedule, ScheduleName
from app.domain.spec import MAX_LEARNING_RATE
from app.schemas.values import (
    FLOAT32_SMALLEST_NORMAL,
    MAX_STEP_NUMBER,
    StrictBool,
    StrictFloat,
    StrictInt,
    name_tag,
)

# A piecewise schedule of more pieces than a lesson needs is refused: TensorFlow builds it as
# nested conditions whose switches grow as the square of the pieces, three times in a run's
# graph (the update, the fused loop, the rate's chart). 10 boundaries: 0.5 s to build;
# 20 took 1.3 to 2 s, holding a computation slot.
MAX_BOUNDARIES = 10

DecaySteps = Annotated[
    StrictInt,
    Field(ge=1, le=MAX_STEP_NUMBER, description="Steps over which the rate decays once."),
]
Rate = Annotated[
    StrictFloat, Field(ge=FLOAT32_SMALLEST_NORMAL, le=MAX_LEARNING_RATE, allow_inf_nan=False)
]


class _ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ScheduleName

    def schedule(self) -> LearningRateSchedule:
        return LearningRateSchedule(self.name, self.model_dump(exclude={"name"}))


class ExponentialDecayIn(_ScheduleIn):
    """`tf.compat.v1.train.exponential_decay`: lr · decay_rate^(step / decay_steps), the
    exponent floored with `staircase`."""

    name: Literal["exponential_decay"]
    decay_steps: DecaySteps
    # At least float32's smallest normal, as every rate: below it the graph's float32 is 0,
    # and the rate would fall to 0 after the first step.
    decay_rate: StrictFloat = Field(ge=FLOAT32_SMALLEST_NORMAL, le=1.0, allow_inf_nan=False)
    staircase: StrictBool = False


class InverseTimeDecayIn(_ScheduleIn):
    """`inverse_time_decay`: lr / (1 + decay_rate · step / decay_steps), the ratio floored
    with `staircase`."""

    name: Literal["inverse_time_decay"]
    decay_steps: DecaySteps
    decay_rate: StrictFloat = Field(ge=0.0, le=1e3, allow_inf_nan=False)
    staircase: StrictBool = False


class PolynomialDecayIn(_ScheduleIn):
    """`polynomial_decay`: (lr − end_learning_rate) · (1 − min(step, decay_steps) /
    decay_steps)^power + end_learning_rate. TF1's `cycle` is not offered (see
    app/domain/schedules.py)."""

    name: Literal["polynomial_decay"]
    decay_steps: DecaySteps
    end_learning_rate: StrictFloat = Field(
        default=0.0001, ge=0.0, le=MAX_LEARNING_RATE, allow_inf_nan=False
    )
    power: StrictFloat = Field(default=1.0, gt=0.0, le=10.0, allow_inf_nan=False)


class PiecewiseConstantIn(_ScheduleIn):
    """`piecewise_constant`: values[0] up to step boundaries[0], values[1] up to
    boundaries[1], …, the last value after the last boundary. values[0] is the run's
    learning_rate."""

    name: Literal["piecewise_constant"]
    boundaries: list[Annotated[StrictInt, Field(ge=0, le=MAX_STEP_NUMBER)]] = Field(
        min_length=1, max_length=MAX_BOUNDARIES
    )
    values: list[Rate] = Field(min_length=2, max_length=MAX_BOUNDARIES + 1)

    @model_validator(mode="after")
    def _one_value_a_piece(self) -> Self:
        if any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:], strict=False)):
            raise ValueError("boundaries must increase, each step number after the one before")
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"values must have one rate more than boundaries ({len(self.boundaries) + 1}, "
                f"not {len(self.values)}): one before the first boundary, one after each"
            )
        return self


class CosineDecayIn(_ScheduleIn):
    """`cosine_decay`: lr · ((1 − alpha) · (1 + cos(π · min(step, decay_steps) /
    decay_steps)) / 2 + alpha)."""

    name: Literal["cosine_decay"]
    decay_steps: DecaySteps
    alpha: StrictFloat = Field(default=0.0, ge=0.0, le=1.0, allow_inf_nan=False)


ScheduleIn = Annotated[
    Annotated[ExponentialDecayIn, Tag("exponential_decay")]
    | Annotated[InverseTimeDecayIn, Tag("inverse_time_decay")]
    | Annotated[PolynomialDecayIn, Tag("polynomial_decay")]
    | Annotated[PiecewiseConstantIn, Tag("piecewise_constant")]
    | Annotated[CosineDecayIn, Tag("cosine_decay")],
    Discriminator(
        name_tag(),
        custom_error_type="schedule_name",
        custom_error_message=f"name must be one of {', '.join(SCHEDULE_DEFAULTS)}",
    ),
]
