"""Independent NumPy answers that the run's TensorFlow numbers can be checked against."""

import numpy as np

from app.training.data import Dataset
from app.training.records import Weights


def closed_form_answer(data: Dataset) -> Weights:
    """Return the least-squares line, as the sample finds it with `np.polyfit(x, y, 1)`."""
    slope, intercept = np.polyfit(data.x, data.y, 1)
    return Weights(b=float(intercept), m=float(slope))
