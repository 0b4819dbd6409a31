"""Plain values every layer shares: a run's data, settings and steps. No TensorFlow, SQL or HTTP."""
