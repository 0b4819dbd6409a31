"""The optimizer a new run asks for, with its own parameters: one body per optimizer."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from app.domain.spec import OPTIMIZER_CLASSES, OptimizerParams
from app.schemas.values import (
    FLOAT32_SMALLEST_NORMAL,
    DecayRate,
    Epsilon,
    StrictBool,
    StrictFloat,
    name_tag,
)


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


OptimizerIn = Annotated[
    Annotated[GradientDescentIn, Tag("gradient_descent")]
    | Annotated[MomentumIn, Tag("momentum")]
    | Annotated[AdagradIn, Tag("adagrad")]
    | Annotated[RMSPropIn, Tag("rmsprop")]
    | Annotated[AdamIn, Tag("adam")],
    # Left out, gradient descent, as the schema's default says.
    Discriminator(
        name_tag("gradient_descent"),
        custom_error_type="optimizer_name",
        custom_error_message=f"name must be one of {', '.join(OPTIMIZER_CLASSES)}",
    ),
]
