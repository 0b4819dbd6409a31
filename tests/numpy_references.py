"""Independent references the engine is checked against: NumPy maths and the sample itself."""

from dataclasses import dataclass

import numpy as np

from app.domain.data import Dataset
from app.domain.spec import TrainingSpec, batch_schedule


@dataclass(frozen=True)
class Trajectory:
    weights: np.ndarray  # (steps, 2): [b, m] after each update
    losses: np.ndarray  # (steps,): the loss after each update
    gradients: np.ndarray  # (steps, 2): the gradient each update applied


def design_matrix(data: Dataset) -> np.ndarray:
    return np.stack([np.ones_like(data.x), data.x], axis=1).astype(np.float32)


def l2_loss_gradient(data: Dataset, weights: np.ndarray) -> np.ndarray:
    """dL/dw = Xᵀ(Xw − y) for L = l2_loss(Xw − y) = Σ(Xw − y)² / 2, in float64."""
    x = design_matrix(data).astype(np.float64)
    return x.T @ (x @ np.asarray(weights, np.float64) - data.y.reshape(-1, 1))


def numpy_gradient_descent(
    data: Dataset, initial: np.ndarray, learning_rate: float, steps: int
) -> Trajectory:
    """Plain gradient descent on l2_loss, computed in float32 like the graph."""
    x = design_matrix(data)
    y = data.y.astype(np.float32)
    lr = np.float32(learning_rate)
    w = np.asarray(initial, np.float32).copy()
    weights, losses, gradients = [], [], []
    for _ in range(steps):
        gradient = x.T @ (x @ w - y)
        w = w - lr * gradient
        gradients.append(gradient)
        weights.append(w.copy())
        losses.append(np.sum((x @ w - y) ** 2) / np.float32(2))
    return Trajectory(np.array(weights), np.array(losses), np.array(gradients))


def _loss_and_gradient(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, loss: str, rows: np.ndarray | None
) -> tuple[np.float32, np.ndarray]:
    """The loss over every point and the gradient over `rows` (all points if None), float32."""
    errors = x @ w - y
    batch_x, batch_errors = (x, errors) if rows is None else (x[rows], errors[rows])
    if loss == "l2_loss":
        return np.sum(errors**2) / np.float32(2), batch_x.T @ batch_errors
    n = np.float32(batch_x.shape[0])
    return np.mean(errors**2), np.float32(2) * batch_x.T @ batch_errors / n


def numpy_optimizer(
    data: Dataset,
    initial: np.ndarray,
    spec: TrainingSpec,
    steps: int,
) -> Trajectory:
    """The run's optimizer written from TensorFlow's documented update formulas, in float32.

    GradientDescent: w -= lr·g. Momentum: a = μa + g; w -= lr·a (Nesterov: w -= lr·(g + μa)).
    Adagrad: acc += g²; w -= lr·g/√acc. RMSProp with decay d: ms = d·ms + (1−d)g² (centered:
    mg = d·mg + (1−d)g, ms − mg² under the root); mom = μ·mom + lr·g/√(ms + ε); w -= mom (ms
    starts at 1).
    Adam: t-th step, lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ); m = β1m + (1−β1)g; v = β2v + (1−β2)g²;
    w -= lr_t·m/(√v + ε̂).
    """
    f = np.float32
    p = {k: (f(v) if not isinstance(v, bool) else v) for k, v in spec.params().items()}
    x = design_matrix(data)
    y = data.y.astype(f).reshape(-1, 1)
    lr = f(spec.learning_rate)
    w = np.asarray(initial, f).copy()
    slot_a = np.ones_like(w) if spec.optimizer == "rmsprop" else np.zeros_like(w)
    if spec.optimizer == "adagrad":
        slot_a = np.full_like(w, p["initial_accumulator_value"])
    slot_b = np.zeros_like(w)
    slot_c = np.zeros_like(w)
    weights, losses, gradients = [], [], []
    for t in range(1, steps + 1):
        rows = None
        if spec.batch_size is not None:
            rows = batch_schedule(spec.seed, t, 1, data.size, spec.batch_size)[0]
        _, g = _loss_and_gradient(x, y, w, spec.loss, rows)
        if spec.optimizer == "gradient_descent":
            w = w - lr * g
        elif spec.optimizer == "momentum":
            slot_a = p["momentum"] * slot_a + g
            w = w - lr * (g + p["momentum"] * slot_a if p["use_nesterov"] else slot_a)
        elif spec.optimizer == "adagrad":
            slot_a = slot_a + g * g
            w = w - lr * g / np.sqrt(slot_a)
        elif spec.optimizer == "rmsprop":
            slot_a = p["decay"] * slot_a + (f(1) - p["decay"]) * g * g
            mean_square = slot_a
            if p["centered"]:
                slot_c = p["decay"] * slot_c + (f(1) - p["decay"]) * g
                mean_square = slot_a - slot_c * slot_c
            slot_b = p["momentum"] * slot_b + lr * g / np.sqrt(mean_square + p["epsilon"])
            w = w - slot_b
        else:
            b1, b2 = p["beta1"], p["beta2"]
            lr_t = lr * np.sqrt(f(1) - b2**t) / (f(1) - b1**t)
            slot_a = b1 * slot_a + (f(1) - b1) * g
            slot_b = b2 * slot_b + (f(1) - b2) * g * g
            w = w - lr_t * slot_a / (np.sqrt(slot_b) + p["epsilon"])
        loss_after, _ = _loss_and_gradient(x, y, w, spec.loss, None)
        gradients.append(g[:, 0])
        weights.append(w[:, 0].copy())
        losses.append(loss_after)
    return Trajectory(np.array(weights), np.array(losses), np.array(gradients))
