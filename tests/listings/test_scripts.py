"""The code the page shows runs, and prints the run's own numbers, for every way a run trains."""

import numpy as np
import pytest

from app.domain.data import sample_dataset, validated_dataset
from app.domain.records import Weights
from app.domain.schedules import LearningRateSchedule
from app.domain.spec import OPTIMIZER_CLASSES, TrainingSpec
from app.i18n import LANGUAGES, messages
from app.listings.compat_v1 import compat_v1_listing
from app.listings.keras import keras_listing, keras_unavailable
from app.listings.source import STEPS, ListingSource, as_text
from app.listings.tf2 import tf2_listing
from app.training.model import LinearRegressionModel
from tests.scripts import ATOL, rtol_of, scripts_running


def recipe(spec: TrainingSpec, num_points: int = 5) -> ListingSource:
    return ListingSource(
        spec=spec,
        num_points=num_points,
        noise=1.5,
        x_range=(-10.0, 10.0),
        points=None,
        initial_weights=None,
    )


SAMPLE = recipe(TrainingSpec())
MSE = "mean_squared_error"
# Every optimizer, both losses, mini-batches and the learner's own points and weights;
# parameters away from the defaults where an option changes the update rule (Nesterov,
# centred RMSProp with momentum). Adam keeps beta2 = 0.999, the hardest to match in float32.
SOURCES = {
    "sample": SAMPLE,
    "own-data-adagrad": ListingSource(
        spec=TrainingSpec(0.3, 0, "adagrad", {"initial_accumulator_value": 0.5}),
        num_points=4,
        noise=None,
        x_range=None,
        points=([-2.0, -1.0, 1.0, 3.0], [-3.5, -1.0, 2.5, 5.0]),
        initial_weights=(0.5, -0.25),
    ),
    "momentum-nesterov-mse": recipe(
        TrainingSpec(0.005, 1, "momentum", {"momentum": 0.8, "use_nesterov": True}, MSE)
    ),
    # 7 points in batches of 3: one point sits out each epoch, and epochs change order.
    "momentum-mini-batch": recipe(TrainingSpec(0.001, 6, "momentum", batch_size=3), num_points=7),
    "rmsprop-mse": recipe(TrainingSpec(0.05, 3, "rmsprop", loss=MSE)),
    "rmsprop-centered-momentum": recipe(
        TrainingSpec(
            0.02, 4, "rmsprop", {"decay": 0.8, "momentum": 0.5, "epsilon": 1e-6, "centered": True}
        )
    ),
    "adam-mini-batch-mse": recipe(TrainingSpec(0.05, 7, "adam", loss=MSE, batch_size=2)),
    # Each learning-rate schedule, on an optimizer of each kind of listing.
    # A stable rate: an unstable run magnifies Keras's other order of adding past any tolerance.
    "exponential-staircase-momentum": recipe(
        TrainingSpec(
            0.0015,
            2,
            "momentum",
            {"momentum": 0.7},
            schedule=LearningRateSchedule(
                "exponential_decay", {"decay_steps": 6, "decay_rate": 0.5, "staircase": True}
            ),
        )
    ),
    "inverse-time-adagrad": recipe(
        TrainingSpec(
            0.5,
            3,
            "adagrad",
            schedule=LearningRateSchedule(
                "inverse_time_decay", {"decay_steps": 4, "decay_rate": 0.3, "staircase": False}
            ),
        )
    ),
    "polynomial-mse": recipe(
        TrainingSpec(
            0.01,
            4,
            loss=MSE,
            schedule=LearningRateSchedule(
                "polynomial_decay", {"decay_steps": 30, "end_learning_rate": 0.001, "power": 2.0}
            ),
        )
    ),
    "piecewise-adam-mini-batch": recipe(
        TrainingSpec(
            0.1,
            5,
            "adam",
            batch_size=2,
            schedule=LearningRateSchedule(
                "piecewise_constant", {"boundaries": [10, 25], "values": [0.1, 0.03, 0.01]}
            ),
        )
    ),
    "cosine-rmsprop": recipe(
        TrainingSpec(
            0.05,
            6,
            "rmsprop",
            schedule=LearningRateSchedule("cosine_decay", {"decay_steps": 40, "alpha": 0.1}),
        )
    ),
}
FLAVOURS = {"compat-v1": compat_v1_listing, "tf2": tf2_listing, "keras": keras_listing}


def listed(source_id: str, flavour: str) -> bool:
    """Whether the flavour has a listing for the source (Keras has none for RMSProp, nor for
    Momentum under a schedule)."""
    return flavour != "keras" or keras_unavailable(SOURCES[source_id].spec) is None


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every listing's printed trajectory, run concurrently: one process per script."""
    directory = tmp_path_factory.mktemp("listings")
    scripts = {
        f"{source_id}-{flavour}": as_text(listing(source))
        for source_id, source in SOURCES.items()
        for flavour, listing in FLAVOURS.items()
        if listed(source_id, flavour)
    }
    with scripts_running(scripts, directory) as futures:
        yield futures


def engine_trajectory(source: ListingSource) -> np.ndarray:
    if source.points is None:
        assert source.x_range is not None and source.noise is not None
        data = sample_dataset(source.num_points, source.noise, source.x_range, source.spec.seed)
    else:
        data = validated_dataset(*source.points)
    with LinearRegressionModel(data, source.spec) as model:
        if source.initial_weights is not None:
            model.set_weights(Weights(*source.initial_weights))
        records = [model.step().record for _ in range(STEPS)]
    return np.array([[r.step, r.loss_after, r.weights_after.b, r.weights_after.m] for r in records])


@pytest.mark.slow  # Runs each listing in a Python of its own, TensorFlow imported each time.
@pytest.mark.parametrize("source_id", SOURCES)
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_listing_prints_the_runs_trajectory(printed, flavour, source_id):
    if not listed(source_id, flavour):
        pytest.skip("no Keras listing for this run: see test_keras_says_why_it_has_no_listing")
    spec = SOURCES[source_id].spec
    expected = engine_trajectory(SOURCES[source_id])
    # The run moves: a listing that ignored the optimizer would not match by accident.
    assert np.ptp(expected[:, 2:], axis=0).min() > 1e-3
    trajectory = printed[f"{source_id}-{flavour}"].result()
    rtol = rtol_of(flavour, spec.optimizer)
    np.testing.assert_allclose(trajectory, expected, rtol=rtol, atol=ATOL)


def test_keras_says_why_it_has_no_listing():
    for source in SOURCES.values():
        reason = keras_unavailable(source.spec)
        scheduled_momentum = (
            source.spec.optimizer == "momentum" and source.spec.schedule is not None
        )
        assert (reason is not None) == (source.spec.optimizer == "rmsprop" or scheduled_momentum)
        if reason is not None:
            assert reason in messages("en")
            with pytest.raises(ValueError):
                keras_listing(source)


def test_keras_names_what_the_sample_calls_otherwise():
    text = as_text(keras_listing(SAMPLE))
    assert "tf.keras.layers.Dense(1)" in text
    assert "tf.keras.optimizers.SGD(learning_rate=0.002)" in text
    assert "def l2_loss(targets, predictions):" in text
    assert "batch_size=len(x), epochs=50, shuffle=False" in text
    notes = {line.note for line in keras_listing(SAMPLE) if line.note}
    assert notes == {"code.note.keras_dense", "code.note.keras_sgd"}
    adam = as_text(keras_listing(SOURCES["adam-mini-batch-mse"]))
    assert "beta_1=0.9, beta_2=0.999, epsilon=1e-08" in adam
    assert "order = np.concatenate([batch_for(step) for step in range(1, 50 + 1)])" in adam


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


@pytest.mark.parametrize("source_id", SOURCES)
def test_the_run_settings_are_spelled_as_tf_spells_them(source_id):
    source = SOURCES[source_id]
    spec = source.spec
    v1 = compat_v1_listing(source)
    v1_text, tf2_text = as_text(v1), as_text(tf2_listing(source))
    assert f"learning_rate = {spec.learning_rate!r}" in v1_text
    assert f"tf.compat.v1.train.{OPTIMIZER_CLASSES[spec.optimizer]}(" in v1_text
    for name, value in spec.params().items():
        assert f"{name}={value!r}" in v1_text
    # TF2 uses Keras's optimizer, or TF1's update rule written out where Keras's differs.
    scheduled_momentum = spec.optimizer == "momentum" and spec.schedule is not None
    written_out = spec.optimizer in ("rmsprop", "adam") or scheduled_momentum
    assert (f"apply_{spec.optimizer}(gradients[0], " in tf2_text) is written_out
    assert ("optimizer = tf.keras.optimizers." in tf2_text) is not written_out
    if spec.schedule is not None:
        assert f"learning_rate = tf.compat.v1.train.{spec.schedule.name}(" in v1_text
        assert "minimize(loss, global_step=global_step)" in v1_text.replace("batch_loss", "loss")
        assert "learning_rate = tf.keras.optimizers.schedules." in tf2_text
        assert ("learning_rate(step)" in tf2_text) is written_out
    else:
        assert "global_step" not in v1_text and "schedules" not in tf2_text
    mini_batch = spec.batch_size is not None
    [step_line] = [line.text.strip() for line in v1 if line.action == "step"]
    expected_step = "update_weights.run(feed_dict={batch_indices: batch_for(step + 1)})"
    assert step_line == (expected_step if mini_batch else "update_weights.run()")
    assert ("def batch_for(step):" in tf2_text) is mini_batch


def test_each_optimizer_line_notes_its_tf1_name():
    notes = {
        line.note
        for source in SOURCES.values()
        for line in compat_v1_listing(source)
        if line.text.startswith("update_weights = ")
    }
    assert notes == {
        "code.note.train",
        "code.note.train_momentum",
        "code.note.train_adagrad",
        "code.note.train_rmsprop",
        "code.note.train_adam",
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_note_has_a_message(language):
    notes = {
        line.note
        for source_id, source in SOURCES.items()
        for flavour, listing in FLAVOURS.items()
        if listed(source_id, flavour)
        for line in listing(source)
        if line.note
    }
    assert notes <= set(messages(language))


def test_listings_run_for_the_steps_asked():
    for flavour, listing in FLAVOURS.items():
        loop = "epochs=7," if flavour == "keras" else "for step in range(7):"
        assert loop in as_text(listing(SAMPLE, steps=7))
