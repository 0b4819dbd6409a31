"""Runs: live TensorFlow sessions and the operations a learner performs on them."""
