"""TensorFlow only: a run's graph and session, its fused loop, its curvature.

Nothing in this package imports FastAPI, Starlette or Jinja2.
"""

import os

# TensorFlow reads these once, at import; set them before any module here imports it so the
# server log is not flooded with C++ start-up chatter. An explicit setting by the operator wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
