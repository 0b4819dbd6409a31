"""Run listings and exported scripts as a learner would: `python script.py`, each in its own
process (a compat.v1 script switches eager execution off for the whole process)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

SCRIPT_TIMEOUT_SECONDS = 180
# How closely a listing prints the run's numbers, relative (absolute: ATOL). TF1's kernels in
# compat.v1 and TF2 agree to float32's rounding. Keras adds in other orders, and its Adam also
# computes beta1**t and beta2**t afresh each step where TF1 multiplies a running float32
# product, which 1 - beta2**t magnifies: measured, at most 1.3e-4 relative on an m of -0.004
# (within ATOL) and 2.4e-5 on a loss.
RTOL = 1e-5
KERAS_ADAM_RTOL = 5e-5
ATOL = 1e-6


def rtol_of(flavour: str, optimizer: str) -> float:
    return KERAS_ADAM_RTOL if (flavour, optimizer) == ("keras", "adam") else RTOL


def printed_trajectory(script: Path) -> np.ndarray:
    """Run the script; its output as rows of (step, loss, b, m)."""
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return np.array([[float(v) for v in line.split()] for line in result.stdout.splitlines()])


@contextmanager
def scripts_running(scripts: dict[str, str], directory: Path) -> Iterator[dict[str, Future]]:
    """Start every script at once, as many at a time as there are CPUs (importing TensorFlow
    takes most of each script's time); each future gives that script's printed trajectory."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = {}
        for name, text in scripts.items():
            path = directory / f"{name}.py"
            path.write_text(text)
            futures[name] = pool.submit(printed_trajectory, path)
        yield futures
