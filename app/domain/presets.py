"""Ready-made datasets that each show something about gradient descent."""

from collections.abc import Callable
from typing import Literal

import numpy as np

from app.domain.data import Dataset, validated_dataset

# "sample" is the sample program's own recipe (see data.sample_dataset), made from the run's
# num_points, noise and x_range; the others are made here.
PresetName = Literal["sample", "outlier", "steep", "far_from_zero"]
MadePresetName = Literal["outlier", "steep", "far_from_zero"]


def _noisy_line(
    seed: int, count: int, x_range: tuple[float, float], slope: float, intercept: float
) -> tuple[np.ndarray, np.ndarray]:
    noise = np.random.RandomState(seed).randn(count) * 0.5
    x = np.linspace(*x_range, count)
    return x, slope * x + intercept + noise


def _outlier(seed: int) -> Dataset:
    """Points close to a gentle line, and one far above it that pulls the fit up."""
    x, y = _noisy_line(seed, 9, (-8.0, 8.0), 0.5, 1.0)
    y[6] += 25.0
    return validated_dataset(x, y)


def _steep(seed: int) -> Dataset:
    """A slope of 8: the answer lies far from the small initial weights."""
    return validated_dataset(*_noisy_line(seed, 8, (-3.0, 3.0), 8.0, 2.0))


def _far_from_zero(seed: int) -> Dataset:
    """x between 90 and 110: XᵀX is badly conditioned, so plain gradient descent crawls
    along b once its learning rate is small enough for m not to blow up."""
    return validated_dataset(*_noisy_line(seed, 8, (90.0, 110.0), 0.5, 3.0))


PRESETS: dict[MadePresetName, Callable[[int], Dataset]] = {
    "outlier": _outlier,
    "steep": _steep,
    "far_from_zero": _far_from_zero,
}


def preset_dataset(name: MadePresetName, seed: int) -> Dataset:
    return PRESETS[name](seed)
