"""Each optimizer's steps, as the engine's session takes them, against NumPy's formulas."""

import numpy as np
import pytest
import tensorflow as tf

from app.domain.data import sample_dataset
from app.domain.spec import TrainingSpec
from app.training.model import LinearRegressionModel
from tests.numpy_references import numpy_optimizer

STEPS = 20
INITIAL = np.array([[0.3], [-0.2]])

SPECS = {
    "gradient-descent": TrainingSpec(0.002, 0),
    "momentum": TrainingSpec(0.001, 0, "momentum", {"momentum": 0.8}),
    "nesterov": TrainingSpec(0.001, 0, "momentum", {"momentum": 0.9, "use_nesterov": True}),
    "adagrad": TrainingSpec(0.5, 0, "adagrad", {"initial_accumulator_value": 0.2}),
    "rmsprop": TrainingSpec(0.05, 0, "rmsprop", {"decay": 0.8, "momentum": 0.3}),
    "rmsprop-centered": TrainingSpec(0.05, 0, "rmsprop", {"centered": True, "epsilon": 1e-6}),
    "adam": TrainingSpec(0.1, 0, "adam", {"beta1": 0.8, "beta2": 0.99}),
    "adam-mse-minibatch": TrainingSpec(0.1, 3, "adam", {}, "mean_squared_error", 2),
    "gd-mse": TrainingSpec(0.01, 0, "gradient_descent", {}, "mean_squared_error"),
    "momentum-minibatch": TrainingSpec(0.002, 1, "momentum", {}, "l2_loss", 3),
}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_first_steps_follow_the_documented_update_rule(spec):
    data = sample_dataset(num_points=7, seed=2)
    expected = numpy_optimizer(data, INITIAL, spec, STEPS)
    with LinearRegressionModel(data, spec) as model:
        model.restore({**model.state(), "weights": INITIAL.tolist()})
        records = [model.step().record for _ in range(STEPS)]
    gradients = np.array([[r.gradient.b, r.gradient.m] for r in records])
    weights = np.array([[r.weights_after.b, r.weights_after.m] for r in records])
    losses = np.array([r.loss_after for r in records])
    # float32 throughout; differences in summation order stay within a few ulps a step.
    np.testing.assert_allclose(gradients, expected.gradients, rtol=2e-5, atol=1e-4)
    np.testing.assert_allclose(weights, expected.weights, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(losses, expected.losses, rtol=2e-5)
    assert not np.allclose(weights[0], INITIAL[:, 0])  # The optimizer really moved.


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_fused_steps_equal_single_steps_bitwise(spec):
    data = sample_dataset(num_points=7, seed=2)
    with (
        LinearRegressionModel(data, spec) as single,
        LinearRegressionModel(data, spec) as fused,
    ):
        one_by_one = [single.step() for _ in range(12)]
        together = fused.run(5) + fused.run(7)
    assert [o.record for o in together] == [o.record for o in one_by_one]
    assert [o.state for o in together] == [o.state for o in one_by_one]


@pytest.mark.parametrize("name", ["momentum", "adagrad", "rmsprop", "adam"])
def test_a_restored_state_continues_exactly_slots_included(name):
    data = sample_dataset()
    spec = TrainingSpec(0.01, 0, name)
    with LinearRegressionModel(data, spec) as original, LinearRegressionModel(data, spec) as copy:
        original.run(7)
        copy.restore(original.state())
        assert [o.record for o in copy.run(10)] == [o.record for o in original.run(10)]


def test_mini_batches_cycle_through_every_point_each_epoch():
    data = sample_dataset(num_points=7)
    with LinearRegressionModel(data, TrainingSpec(0.002, 4, batch_size=3)) as model:
        epoch = [model.batch_for(step) for step in (1, 2)]  # 7 // 3 = 2 batches an epoch.
        next_epoch = model.batch_for(3)
    seen = np.concatenate(epoch)
    assert len(set(seen.tolist())) == 6  # No point twice within an epoch.
    assert next_epoch is not None and next_epoch.shape == (3,)


def every_variable(model: LinearRegressionModel) -> dict[str, bytes]:
    """The bytes of every variable of the model's graph, read by its session."""
    with model.shared.graph.as_default():
        variables = tf.compat.v1.global_variables()
    values = model._session.run({v.op.name: v for v in variables})
    return {name: np.asarray(value).tobytes() for name, value in values.items()}


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_a_preview_is_the_next_step_and_leaves_the_run_bit_for_bit_unchanged(spec):
    data = sample_dataset(num_points=7, seed=2)
    with (
        LinearRegressionModel(data, spec) as previewed,
        LinearRegressionModel(data, spec) as untouched,
    ):
        previewed.run(6)
        untouched.run(6)
        for _ in range(4):
            before = every_variable(previewed)
            preview = previewed.preview_step()
            assert every_variable(previewed) == before  # Slots, powers and global step too.
            assert previewed.steps_done == untouched.steps_done
            assert previewed.preview_step() == preview  # The same answer each time.
            taken = previewed.step()
            assert preview == taken  # Record, predictions and every variable, exactly.
            assert untouched.step() == taken  # Previews changed nothing that follows.
        assert every_variable(previewed) == every_variable(untouched)
        assert previewed.run(5) == untouched.run(5)


def test_a_preview_of_a_step_that_overflows_reports_it_and_changes_nothing():
    data = sample_dataset()
    with LinearRegressionModel(data, TrainingSpec(1.0, 0)) as model:
        outcomes = model.run(200)
        assert outcomes[-1].record.diverged
        model.restore({**model.state(), "weights": [[3e18], [-4e18]]})
        before = every_variable(model)
        preview = model.preview_step()
        assert preview.record.diverged and model.diverged_at is None
        assert every_variable(model) == before
