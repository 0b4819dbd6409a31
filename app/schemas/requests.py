"""Request bodies of the JSON API: a new run, a step, a fork, and a page's word to its stream."""

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.domain.presets import PresetName
from app.domain.spec import MAX_LEARNING_RATE, LossName
from app.schemas.optimizers import GradientDescentIn, OptimizerIn
from app.schemas.schedules import PiecewiseConstantIn, ScheduleIn
from app.schemas.values import (
    FLOAT32_SMALLEST_NORMAL,
    MAX_STEP_NUMBER,
    Coordinate,
    StrictFloat,
    StrictInt,
)

MAX_CSV_CHARS = 200_000
# The settings of the sample's recipe, which only the recipe (no preset, or `sample`) uses.
RECIPE_FIELDS = ("num_points", "noise", "x_range")


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: Coordinate
    y: Coordinate


class WeightsIn(BaseModel):
    """`[b, m]`: intercept and slope."""

    model_config = ConfigDict(extra="forbid")

    b: Coordinate
    m: Coordinate


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
        default=5,
        ge=2,
        description="Points the sample's recipe makes (refused beside points, points_csv or a "
        "preset other than 'sample', which would leave it unused).",
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
        # Bounded here too, so that a refusal never quotes a number of hundreds of digits.
        le=MAX_STEP_NUMBER,
        description="Points per step for mini-batch SGD; null uses every point (the sample).",
    )
    learning_rate_schedule: ScheduleIn | None = Field(
        default=None,
        description="A tf.compat.v1.train decay of learning_rate over the global step, chosen "
        "by `name` (exponential_decay, inverse_time_decay, polynomial_decay, "
        "piecewise_constant, cosine_decay), with that function's parameters; null keeps the "
        "rate constant (the sample).",
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
    def _piecewise_starts_at_the_learning_rate(self) -> Self:
        schedule = self.learning_rate_schedule
        if isinstance(schedule, PiecewiseConstantIn) and schedule.values[0] != self.learning_rate:
            raise ValueError(
                "learning_rate_schedule: values[0] is the rate up to the first boundary, so it "
                f"must equal learning_rate ({self.learning_rate!r}, not {schedule.values[0]!r})"
            )
        return self

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

    @model_validator(mode="after")
    def _no_recipe_settings_left_unused(self) -> Self:
        """num_points, noise and x_range shape the sample's recipe: given beside a preset that
        makes its own points, or beside the points themselves, they are refused rather than
        silently ignored."""
        given = [name for name in RECIPE_FIELDS if name in self.model_fields_set]
        if not given:
            return self
        name = given[0]
        if self.preset not in (None, "sample"):
            raise ValueError(
                f"{name}: the preset {self.preset!r} makes its own points, so {name} would be "
                f"ignored; leave {name} out, or use the preset 'sample' (the sample's recipe, "
                f"which {name} shapes)"
            )
        source = next((f for f in ("points", "points_csv") if getattr(self, f) is not None), None)
        if source is not None:
            raise ValueError(
                f"{name}: {source} gives the points themselves, so {name} would be ignored; "
                f"leave {name} out"
            )
        return self


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n: StrictInt = Field(
        default=1, description="How many updates to apply (1 to the server's maximum)."
    )


class ForkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: StrictInt = Field(
        ge=0, description="Continue from the state after this step (0: the start)."
    )


# The id a page gives a stream it opens, to Stop it and say which of its steps it shows.
STREAM_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
STREAM_ID_DESCRIPTION = "The id the page gave the stream (8 to 64 of A-Z, a-z, 0-9, _ and -)."


class StopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stream: str | None = Field(
        default=None,
        pattern=STREAM_ID_PATTERN,
        description=f"{STREAM_ID_DESCRIPTION} Stops that stream alone, even if it has not "
        "opened yet (it then ends as it opens); without it, every stream of the run.",
    )


class ShownRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: StrictInt = Field(
        ge=0, le=MAX_STEP_NUMBER, description="The step of the run the page shows now."
    )
