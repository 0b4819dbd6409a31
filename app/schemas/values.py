"""Value types shared by the API's bodies: bounded coordinates, strict numbers, and how a
value JSON cannot carry (NaN, inf) is sent."""

import math
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from app.domain.data import COORDINATE_LIMIT

# Steps are stored as SQL INTEGER; a larger step number overflowed SQLite's parameter and
# answered 500 (found by random fuzzing).
MAX_STEP_NUMBER = 2**31 - 1
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


def name_tag(default: str | None = None) -> Callable[[Any], str | None]:
    """The discriminator of a union of bodies chosen by their `name` (an optimizer, a
    schedule), `default` when a body leaves it out: a plain `discriminator="name"` refuses a
    body without one, and its error names no choice."""

    def tag(value: Any) -> str | None:
        if isinstance(value, dict):
            name = value.get("name", default)
            return name if isinstance(name, str) else None
        return getattr(value, "name", None)

    return tag


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN or inf: a value that overflowed is sent as null."""
    return value if math.isfinite(value) else None
