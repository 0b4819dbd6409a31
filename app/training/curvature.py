"""The curvature of a run's loss: the eigenvalues of its Hessian, as TensorFlow computes them.

The loss is quadratic in [b, m], so its Hessian (XᵀX for l2_loss, 2XᵀX/n for the mean squared
error) is the same at every weight: it is computed once, when a run is created, in a graph of
its own, so that live sessions do not carry its ops.
"""

import numpy as np
import tensorflow as tf

from app.domain.data import Dataset
from app.domain.spec import LossName
from app.domain.stability import Curvature
from app.training.objective import Objective

v1 = tf.compat.v1


def loss_curvature(data: Dataset, loss: LossName) -> Curvature:
    graph = tf.Graph()
    with graph.as_default():
        objective = Objective(
            tf.constant(data.design_matrix()), tf.constant(data.target_column()), loss
        )
        weights = v1.placeholder(tf.float32, [2, 1], name="weights")
        hessian = tf.reshape(tf.hessians(objective.loss(weights), weights)[0], [2, 2])
        eigenvalues = tf.linalg.eigvalsh(hessian)
    with v1.Session(graph=graph) as session:
        smallest, largest = session.run(eigenvalues, {weights: np.zeros((2, 1), np.float32)})
    return Curvature(smallest=float(smallest), largest=float(largest))
