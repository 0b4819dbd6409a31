import itertools

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python.client.session import BaseSession

from app.domain.data import sample_dataset, validated_dataset
from app.domain.records import Weights
from app.domain.spec import TrainingSpec
from app.training.model import LinearRegressionModel
from bench.sample_program import SampleProgram
from tests.numpy_references import l2_loss_gradient, numpy_gradient_descent

STEPS = 50
LEARNING_RATE = 0.002
FLOAT32_RTOL = 2e-5


@pytest.fixture
def sample_model():
    with LinearRegressionModel(sample_dataset(), TrainingSpec(LEARNING_RATE, 0)) as model:
        yield model


def initial_weights(model: LinearRegressionModel) -> np.ndarray:
    return np.array(model.state()["weights"], dtype=np.float32)[:, 0]


def run_steps(model: LinearRegressionModel, steps: int):
    return [model.step() for _ in range(steps)]


def test_trajectory_matches_numpy_gradient_descent(sample_model):
    data = sample_dataset()
    reference = numpy_gradient_descent(data, initial_weights(sample_model), LEARNING_RATE, STEPS)
    records = [outcome.record for outcome in run_steps(sample_model, STEPS)]

    assert [r.step for r in records] == list(range(1, STEPS + 1))
    weights = np.array([[r.weights_after.b, r.weights_after.m] for r in records])
    np.testing.assert_allclose(weights, reference.weights, rtol=FLOAT32_RTOL, atol=1e-6)
    losses = np.array([r.loss_after for r in records])
    np.testing.assert_allclose(losses, reference.losses, rtol=FLOAT32_RTOL)


def test_gradient_is_x_transpose_times_residual(sample_model):
    data = sample_dataset()
    for outcome in run_steps(sample_model, STEPS):
        record = outcome.record
        before = np.array([[record.weights_before.b], [record.weights_before.m]])
        expected = l2_loss_gradient(data, before)[:, 0]
        got = np.array([record.gradient.b, record.gradient.m])
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
        # And the update applied is exactly w - lr * g.
        np.testing.assert_allclose(
            [record.weights_after.b, record.weights_after.m],
            before[:, 0] - np.float32(LEARNING_RATE) * got,
            rtol=1e-6,
            atol=1e-7,
        )


def test_each_step_continues_from_the_last_and_reports_losses_before_and_after(sample_model):
    records = [outcome.record for outcome in run_steps(sample_model, 5)]
    for previous, current in itertools.pairwise(records):
        assert current.weights_before == previous.weights_after
        assert current.loss_before == pytest.approx(previous.loss_after, rel=1e-6)
    assert records[-1].loss_after < records[0].loss_before


def test_matches_the_sample_programs_own_eval_calls(sample_model):
    b, m = initial_weights(sample_model)
    with SampleProgram(sample_dataset(), Weights(float(b), float(m)), LEARNING_RATE) as sample:
        evals = [sample.step() for _ in range(STEPS)]
    records = [outcome.record for outcome in run_steps(sample_model, STEPS)]
    # loss.eval() and weights.eval() after the k-th update_weights.run() are step k's "after".
    np.testing.assert_allclose([r.loss_after for r in records], [loss for loss, _ in evals])
    np.testing.assert_allclose(
        [(r.weights_after.b, r.weights_after.m) for r in records],
        [(w.b, w.m) for _, w in evals],
    )


def test_predictions_are_yhat_of_the_new_weights(sample_model):
    data = sample_dataset()
    outcome = sample_model.step()
    w = outcome.record.weights_after
    np.testing.assert_allclose(outcome.predictions, w.b + w.m * data.x, rtol=1e-5, atol=1e-5)


def test_one_step_is_one_session_run(sample_model, monkeypatch):
    # Every execution of the graph, by session.run or a callable, passes through this method.
    calls = []
    real_run = BaseSession._call_tf_sessionrun

    def counting_run(self, *args, **kwargs):
        calls.append(args)
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(BaseSession, "_call_tf_sessionrun", counting_run)
    sample_model.step()
    assert len(calls) == 1
    sample_model.preview_step()  # Read every variable, update, set them back.
    assert len(calls) == 4


def test_same_config_gives_same_initial_weights_and_trajectory():
    data = sample_dataset(seed=5)
    with (
        LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 5)) as first,
        LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 5)) as second,
    ):
        assert first.state() == second.state()
        assert [o.record for o in run_steps(first, 10)] == [o.record for o in run_steps(second, 10)]


def test_initial_weights_follow_random_normal_with_stddev_0_1():
    data = sample_dataset()
    draws = []
    for seed in range(40):
        with LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, seed)) as model:
            draws.extend(initial_weights(model))
    assert len(set(draws)) == len(draws)
    assert 0.05 < float(np.std(draws)) < 0.15


def test_restored_state_continues_exactly(sample_model):
    run_steps(sample_model, 7)
    saved = sample_model.state()
    expected = [o.record for o in run_steps(sample_model, 5)]
    with LinearRegressionModel(sample_dataset(), TrainingSpec(LEARNING_RATE, 0)) as rebuilt:
        rebuilt.restore(saved)
        assert [o.record for o in run_steps(rebuilt, 5)] == expected


def test_restore_refuses_a_state_of_other_variables(sample_model):
    with pytest.raises(ValueError, match="variables"):
        sample_model.restore({"weights": [[0.0], [0.0]]})


def test_evaluate_reads_without_changing_anything(sample_model):
    sample_model.step()
    first = sample_model.evaluate()
    assert sample_model.evaluate() == first
    assert first.step == 1


def test_set_weights_starts_from_the_given_weights():
    data = validated_dataset([-1.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    with LinearRegressionModel(data, TrainingSpec(0.1, 0)) as model:
        model.set_weights(Weights(b=2.0, m=1.0))  # The exact answer: loss 0, gradient 0.
        record = model.step().record
    assert record.step == 1
    assert record.loss_before == 0.0
    assert (record.gradient.b, record.gradient.m) == (0.0, 0.0)


def test_a_too_large_learning_rate_diverges_to_non_finite_values():
    with LinearRegressionModel(sample_dataset(), TrainingSpec(1.0, 0)) as model:
        records = []
        for _ in range(200):
            records.append(model.step().record)
            if records[-1].diverged:
                break
    assert records[-1].diverged
    assert not records[0].diverged
    assert records[-1].loss_after > 1e30 or not np.isfinite(records[-1].loss_after)


def test_runs_do_not_touch_the_default_graph_or_eager_mode(sample_model):
    sample_model.step()
    assert tf.executing_eagerly()
    assert tf.compat.v1.get_default_graph().get_operations() == []


def test_explain_at_a_steps_starting_weights_reproduces_its_gradient(sample_model):
    data = sample_dataset()
    sample_model.step()
    record = sample_model.step().record
    state = sample_model.state()
    breakdown = sample_model.breakdown(record.weights_before, record.step)
    assert breakdown.gradient == record.gradient
    assert breakdown.loss == record.loss_before
    np.testing.assert_allclose(
        breakdown.residuals, np.array(breakdown.predictions) - data.y, atol=1e-5
    )
    np.testing.assert_allclose(breakdown.contributions_b, breakdown.residuals)
    np.testing.assert_allclose(
        breakdown.contributions_m, np.array(breakdown.residuals) * data.x, rtol=1e-5
    )
    assert sum(breakdown.contributions_b) == pytest.approx(record.gradient.b, rel=1e-4)
    assert sum(breakdown.contributions_m) == pytest.approx(record.gradient.m, rel=1e-4)
    assert sample_model.state() == state  # Explaining changed nothing.


def test_loss_surface_is_the_loss_at_each_grid_point(sample_model):
    data = sample_dataset()
    b_values, m_values = np.linspace(-3, 1, 5), np.linspace(0, 2, 4)
    surface = sample_model.loss_surface(b_values, m_values)
    assert len(surface.losses) == 4 and len(surface.losses[0]) == 5
    for i, m in enumerate(m_values):
        for j, b in enumerate(b_values):
            expected = 0.5 * np.sum((b + m * data.x - data.y) ** 2)
            assert surface.losses[i][j] == pytest.approx(expected, rel=1e-5)


def test_read_node_reads_the_session_and_refuses_side_effects(sample_model):
    sample_model.step()
    assert float(sample_model.read_node("loss")) == sample_model.evaluate().loss
    before = sample_model.state()
    with pytest.raises(ValueError, match="side effects"):
        sample_model.read_node("GradientDescent")
    assert sample_model.state() == before


def test_a_fused_run_gives_exactly_the_single_steps_records():
    data = sample_dataset()
    with (
        LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 0)) as single,
        LinearRegressionModel(data, TrainingSpec(LEARNING_RATE, 0)) as fused,
    ):
        stepped = [single.step() for _ in range(STEPS)]
        ran = fused.run(STEPS, every_prediction=True)
        assert [o.record for o in ran] == [o.record for o in stepped]
        assert [o.predictions for o in ran] == [o.predictions for o in stepped]
        assert [o.state for o in ran] == [o.state for o in stepped]
        assert fused.state() == single.state()
        # Without every prediction, only the last step carries them.
        more = fused.run(3)
        assert [o.predictions for o in more[:-1]] == [[], []]
        assert more[-1].predictions == fused.evaluate().predictions


def test_a_fused_run_stops_at_the_step_that_diverged():
    with LinearRegressionModel(sample_dataset(), TrainingSpec(1.0, 0)) as model:
        outcomes = model.run(200)
        assert outcomes[-1].record.diverged
        assert not any(o.record.diverged for o in outcomes[:-1])
        assert model.state()["global_step"] == outcomes[-1].record.step


def test_using_a_run_adds_no_ops_to_its_shared_graph(sample_model):
    """The graph is finalized before sessions share it: an op made per call would raise here,
    instead of leaking memory with every step."""
    graph = sample_model.shared.graph
    assert graph.finalized
    count = len(graph.get_operations())
    sample_model.run(2)
    sample_model.step()
    sample_model.run(3, every_prediction=True)
    weights = sample_model.evaluate().weights
    sample_model.breakdown(weights, step=1)
    sample_model.loss_surface(np.linspace(-1, 1, 3), np.linspace(0, 1, 3))
    sample_model.read_node("loss")
    sample_model.read_node("weights")
    sample_model.preview_step()
    sample_model.restore(sample_model.state())
    sample_model.set_weights(weights)
    assert len(graph.get_operations()) == count
