"""The sample's data recipe (seeded) and validation of points a client sends."""

from dataclasses import dataclass

import numpy as np

MIN_POINTS = 2
# Every coordinate, and the squares and sums the loss and its curvature take of a thousand of
# them, stay well inside float32's range within this bound.
COORDINATE_LIMIT = 1e6


class InvalidDataError(ValueError):
    """The points cannot be fitted; the message says why."""


@dataclass(frozen=True)
class Dataset:
    """Points to fit, held as float64 arrays whose values are exactly representable in float32.

    The graph computes in float32; rounding here once means the points a learner sees are the
    very numbers inside the graph's `input` and `target` constants.
    """

    x: np.ndarray
    y: np.ndarray

    @property
    def size(self) -> int:
        return int(self.x.shape[0])

    def design_matrix(self) -> np.ndarray:
        """The sample's `x_with_bias`: rows [1, x_i], so that yhat = X·[b, m]."""
        return np.stack([np.ones_like(self.x), self.x], axis=1).astype(np.float32)

    def target_column(self) -> np.ndarray:
        """The sample's `target`: y as a float32 column."""
        return self.y.reshape(-1, 1).astype(np.float32)


def _as_float32_exact(values: np.ndarray) -> np.ndarray:
    # Values beyond float32's range become inf here; the caller refuses non-finite values.
    with np.errstate(over="ignore"):
        return np.asarray(values, dtype=np.float64).astype(np.float32).astype(np.float64)


def sample_dataset(
    num_points: int = 5,
    noise: float = 1.5,
    x_range: tuple[float, float] = (-10.0, 10.0),
    seed: int = 0,
) -> Dataset:
    """Make the sample's points: a line y = x sampled evenly, with noise added to x AND y."""
    if num_points < MIN_POINTS:
        raise InvalidDataError(f"num_points must be at least {MIN_POINTS}, got {num_points}")
    line = np.linspace(x_range[0], x_range[1], num_points)
    # RandomState(seed).randn is the sample's own np.random.randn call, made repeatable.
    xy = np.array([line, line]) + np.random.RandomState(seed).randn(2, num_points) * noise
    return validated_dataset(xy[0], xy[1])


def validated_dataset(x: np.ndarray | list[float], y: np.ndarray | list[float]) -> Dataset:
    """Check that the points can be fitted by a line and return them as a Dataset."""
    x_arr = np.asarray(x, dtype=np.float64)
    y_arr = np.asarray(y, dtype=np.float64)
    if x_arr.ndim != 1 or y_arr.ndim != 1 or x_arr.shape != y_arr.shape:
        raise InvalidDataError("x and y must be two lists of the same length")
    if x_arr.shape[0] < MIN_POINTS:
        raise InvalidDataError(f"a line needs at least {MIN_POINTS} points, got {x_arr.shape[0]}")
    # Written so that NaN fails it too: every comparison with NaN is false.
    if not (
        np.all(np.abs(x_arr) <= COORDINATE_LIMIT) and np.all(np.abs(y_arr) <= COORDINATE_LIMIT)
    ):
        raise InvalidDataError(
            f"every coordinate must be a number from {-COORDINATE_LIMIT:,.0f} "
            f"to {COORDINATE_LIMIT:,.0f}"
        )
    x32, y32 = _as_float32_exact(x_arr), _as_float32_exact(y_arr)
    if np.ptp(x32) == 0:
        raise InvalidDataError("all points share one x value, so no single line fits them best")
    return Dataset(x=x32, y=y32)
