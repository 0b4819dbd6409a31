"""The loss a run minimises, built the same way in the learner's graph and in the fused loop."""

from dataclasses import dataclass

import tensorflow as tf

from app.domain.spec import LossName


def loss_of_errors(errors: tf.Tensor, kind: LossName, name: str | None = None) -> tf.Tensor:
    """`tf.nn.l2_loss` (Σe²/2, the sample's) or the mean squared error (Σe²/n)."""
    if kind == "l2_loss":
        return tf.nn.l2_loss(errors, name=name)
    return tf.reduce_mean(tf.square(errors), name=name)


@dataclass(frozen=True)
class Objective:
    """The data's constants and the kind of loss; the batch, if any, picks rows of the errors."""

    inputs: tf.Tensor
    target: tf.Tensor
    kind: LossName

    def errors(self, weights: tf.Tensor) -> tf.Tensor:
        return tf.subtract(tf.matmul(self.inputs, weights), self.target)

    def loss(self, weights: tf.Tensor) -> tf.Tensor:
        """The loss over every point: what the loss curve shows."""
        return loss_of_errors(self.errors(weights), self.kind)

    def training_loss(self, errors: tf.Tensor, batch: tf.Tensor | None) -> tf.Tensor:
        """The loss the optimizer minimises: over the batch's points, or every point."""
        if batch is None:
            return loss_of_errors(errors, self.kind)
        return loss_of_errors(tf.gather(errors, batch), self.kind)
