"""The code the page shows runs, and prints the run's own numbers."""

import subprocess
import sys

import numpy as np
import pytest

from app.training.data import sample_dataset, validated_dataset
from app.training.listings import (
    STEPS,
    ListingSource,
    as_text,
    compat_v1_listing,
    tf2_listing,
)
from app.training.model import LinearRegressionModel
from app.training.records import Weights

SAMPLE = ListingSource(
    learning_rate=0.002,
    seed=0,
    num_points=5,
    noise=1.5,
    x_range=(-10.0, 10.0),
    points=None,
    initial_weights=None,
)
OWN_DATA = ListingSource(
    learning_rate=0.01,
    seed=0,
    num_points=4,
    noise=None,
    x_range=None,
    points=([-2.0, -1.0, 1.0, 3.0], [-3.5, -1.0, 2.5, 5.0]),
    initial_weights=(0.5, -0.25),
)


def printed_trajectory(listing_text: str, tmp_path) -> np.ndarray:
    script = tmp_path / "listing.py"
    script.write_text(listing_text)
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180, check=True
    )
    return np.array([[float(v) for v in line.split()] for line in result.stdout.splitlines()])


def engine_trajectory(source: ListingSource) -> np.ndarray:
    if source.points is None:
        assert source.x_range is not None and source.noise is not None
        data = sample_dataset(source.num_points, source.noise, source.x_range, source.seed)
    else:
        data = validated_dataset(*source.points)
    with LinearRegressionModel(data, source.learning_rate, source.seed) as model:
        if source.initial_weights is not None:
            model.set_weights(Weights(*source.initial_weights))
        records = [model.step().record for _ in range(STEPS)]
    return np.array([[r.step, r.loss_after, r.weights_after.b, r.weights_after.m] for r in records])


@pytest.mark.parametrize("source", [SAMPLE, OWN_DATA], ids=["sample", "own-data"])
@pytest.mark.parametrize("listing", [compat_v1_listing, tf2_listing], ids=["compat-v1", "tf2"])
def test_listing_prints_the_runs_trajectory(listing, source, tmp_path):
    printed = printed_trajectory(as_text(listing(source)), tmp_path)
    np.testing.assert_allclose(printed, engine_trajectory(source), rtol=1e-5, atol=1e-6)


def test_lines_are_marked_for_each_action_and_renamed_api():
    v1 = compat_v1_listing(SAMPLE)
    by_action = {
        a: [line.text.strip() for line in v1 if line.action == a]
        for a in ("init", "step", "evaluate")
    }
    assert by_action["step"] == ["update_weights.run()"]
    assert by_action["evaluate"] == ["losses.append(loss.eval())", "b, m = weights.eval()"]
    assert "global_variables_initializer" in by_action["init"][0]
    notes = {line.note for line in v1 if line.note}
    assert {"code.note.subtract", "code.note.initializer", "code.note.session"} <= notes
    assert all("#@" not in line.text for line in v1 + tf2_listing(SAMPLE))
