"""Stepwise: watch real TensorFlow fit a line, one optimizer step at a time."""
