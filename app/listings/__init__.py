"""The sample program as runnable scripts, written for a given run. Text only: no TensorFlow."""
