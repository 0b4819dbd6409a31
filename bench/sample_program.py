"""The classic TF 1.x sample the product is built around, as written, in `tf.compat.v1`.

Stepwise does not serve from this; it is the reference the engine is checked and measured
against: each step makes the sample's three session calls (`update_weights.run()`,
`loss.eval()`, `weights.eval()`), where the engine makes one.
"""

import numpy as np
import tensorflow as tf

from app.domain.data import Dataset
from app.domain.records import Weights
from app.training.session import SessionOwner

v1 = tf.compat.v1


class SampleProgram(SessionOwner):
    """The sample's graph and loop body, with given data and initial weights."""

    def __init__(self, data: Dataset, initial: Weights, learning_rate: float) -> None:
        self._graph = tf.Graph()
        with self._graph.as_default():
            inputs = tf.constant(data.design_matrix())
            target = tf.constant(data.target_column())
            self._weights = v1.Variable(np.array([[initial.b], [initial.m]], dtype=np.float32))
            yhat = tf.matmul(inputs, self._weights)
            yerror = tf.subtract(yhat, target)
            self._loss = tf.nn.l2_loss(yerror)
            self._update_weights = v1.train.GradientDescentOptimizer(learning_rate).minimize(
                self._loss
            )
            initialize = v1.global_variables_initializer()
        self._session = v1.Session(graph=self._graph)
        self._session.run(initialize)

    def step(self) -> tuple[float, Weights]:
        """One pass of the sample's loop: `update_weights.run()`, then the two evals."""
        with self._graph.as_default(), self._session.as_default():
            self._update_weights.run()
            loss = float(self._loss.eval())
            b, m = self._weights.eval()
        return loss, Weights(b=float(b[0]), m=float(m[0]))
