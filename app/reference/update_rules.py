"""Each optimizer's documented update, in NumPy float64: the page's check of TensorFlow's step.

Given the variables before a step and the gradient TensorFlow applied, return what the
variables should be after it. Slot variables are named by their role: the name TensorFlow
gives the slot (`momentum`, `accumulator`, `rms`, `mg`, `m`, `v`) or, for Adam's powers of
the betas, the variable's own name.
"""

from collections.abc import Callable

import numpy as np

from app.domain.spec import OptimizerName, OptimizerParams

Values = dict[str, np.ndarray]
Rule = Callable[[float, OptimizerParams, np.ndarray, Values], Values]


def _f32(value: float | bool) -> float:
    """A hyperparameter as the graph holds it: rounded to float32."""
    return float(np.float32(value))


def _gradient_descent(lr: float, _p: OptimizerParams, g: np.ndarray, before: Values) -> Values:
    return {"weights": before["weights"] - lr * g}


def _momentum(lr: float, p: OptimizerParams, g: np.ndarray, before: Values) -> Values:
    mu = _f32(p["momentum"])
    accumulation = mu * before["momentum"] + g
    step = g + mu * accumulation if p["use_nesterov"] else accumulation
    return {"momentum": accumulation, "weights": before["weights"] - lr * step}


def _adagrad(lr: float, _p: OptimizerParams, g: np.ndarray, before: Values) -> Values:
    accumulator = before["accumulator"] + g * g
    return {
        "accumulator": accumulator,
        "weights": before["weights"] - lr * g / np.sqrt(accumulator),
    }


def _rmsprop(lr: float, p: OptimizerParams, g: np.ndarray, before: Values) -> Values:
    decay, epsilon = _f32(p["decay"]), _f32(p["epsilon"])
    after: Values = {"rms": decay * before["rms"] + (1 - decay) * g * g}
    denominator = after["rms"] + epsilon
    if p["centered"]:
        after["mg"] = decay * before["mg"] + (1 - decay) * g
        denominator = denominator - after["mg"] ** 2
    after["momentum"] = _f32(p["momentum"]) * before["momentum"] + lr * g / np.sqrt(denominator)
    after["weights"] = before["weights"] - after["momentum"]
    return after


def _adam(lr: float, p: OptimizerParams, g: np.ndarray, before: Values) -> Values:
    beta1, beta2, epsilon = _f32(p["beta1"]), _f32(p["beta2"]), _f32(p["epsilon"])
    # beta1_power holds β1^t for this step t: the bias correction of the running means.
    corrected_lr = lr * np.sqrt(1 - before["beta2_power"]) / (1 - before["beta1_power"])
    m = beta1 * before["m"] + (1 - beta1) * g
    v = beta2 * before["v"] + (1 - beta2) * g * g
    return {
        "m": m,
        "v": v,
        "weights": before["weights"] - corrected_lr * m / (np.sqrt(v) + epsilon),
        "beta1_power": before["beta1_power"] * beta1,
        "beta2_power": before["beta2_power"] * beta2,
    }


RULES: dict[OptimizerName, Rule] = {
    "gradient_descent": _gradient_descent,
    "momentum": _momentum,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
}


def expected_update(
    optimizer: OptimizerName,
    learning_rate: float,
    params: OptimizerParams,
    gradient: np.ndarray,
    before: Values,
) -> Values:
    """The variables after one update, from those before it and the applied gradient."""
    as_float64 = {role: np.asarray(value, np.float64) for role, value in before.items()}
    return RULES[optimizer](
        _f32(learning_rate), params, np.asarray(gradient, np.float64), as_float64
    )
