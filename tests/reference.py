"""Independent references the engine is checked against: NumPy maths and the sample itself."""

from dataclasses import dataclass

import numpy as np

from app.training.data import Dataset


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
