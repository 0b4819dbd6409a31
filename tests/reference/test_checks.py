import numpy as np
import pytest

from app.domain.data import sample_dataset
from app.domain.records import Weights
from app.domain.spec import TrainingSpec
from app.reference.checks import check_update, closed_form_answer, loss_gradient
from app.training.model import LinearRegressionModel
from tests.numpy_references import l2_loss_gradient as reference_gradient

LEARNING_RATE = 0.002


def column(weights: Weights) -> list[list[float]]:
    return [[weights.b], [weights.m]]


def by_role(model: LinearRegressionModel, state: dict) -> dict:
    return {role: state[name] for role, name in model.variable_roles.items()}


def test_closed_form_answer_is_polyfit():
    data = sample_dataset()
    slope, intercept = np.polyfit(data.x, data.y, 1)
    assert closed_form_answer(data) == Weights(b=intercept, m=slope)


def test_numpy_gradient_is_x_transpose_residual():
    data = sample_dataset(seed=4)
    expected = reference_gradient(data, np.array([[0.3], [-0.7]]))[:, 0]
    got, _ = loss_gradient(data, Weights(b=0.3, m=-0.7), "l2_loss", None)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_mean_squared_error_of_a_batch_scales_by_two_over_its_size():
    data = sample_dataset(seed=4)
    batch = np.array([0, 3])
    whole, _ = loss_gradient(data, Weights(b=0.3, m=-0.7), "l2_loss", batch)
    mean, _ = loss_gradient(data, Weights(b=0.3, m=-0.7), "mean_squared_error", batch)
    np.testing.assert_allclose(mean, whole * 2 / 2, rtol=1e-12)


@pytest.mark.parametrize(
    ("optimizer", "params", "loss", "batch_size"),
    [
        ("gradient_descent", {}, "l2_loss", None),
        ("momentum", {"use_nesterov": True}, "l2_loss", None),
        ("adagrad", {}, "mean_squared_error", None),
        ("rmsprop", {"centered": True, "momentum": 0.5}, "l2_loss", 2),
        ("adam", {}, "mean_squared_error", 3),
    ],
)
def test_check_of_tensorflow_steps_finds_only_float32_rounding(optimizer, params, loss, batch_size):
    data = sample_dataset()
    spec = TrainingSpec(0.01, 0, optimizer, params, loss, batch_size)
    with LinearRegressionModel(data, spec) as model:
        before = by_role(model, model.state())
        for _ in range(4):
            outcome = model.step()
            after = by_role(model, outcome.state)
            record = outcome.record
            batch = model.batch_for(record.step)
            check = check_update(data, spec, batch, before, record.gradient, after)
            assert check.after is not None and set(check.after) == set(after)
            np.testing.assert_allclose(check.after["weights"], np.ravel(after["weights"]), 1e-5)
            assert check.max_rel_difference < 1e-5
            assert check.within_float32_rounding, check
            before = after


def test_near_convergence_tiny_gradients_are_still_within_rounding():
    """A gradient near zero is a difference of large terms: judged by their size, not its own."""
    data = sample_dataset()
    spec = TrainingSpec(0.005, 0)
    with LinearRegressionModel(data, spec) as model:
        outcomes = model.run(5000)
    record = outcomes[-1].record
    before = {"weights": column(record.weights_before)}
    after = {"weights": column(record.weights_after)}
    check = check_update(data, spec, None, before, record.gradient, after)
    assert abs(record.gradient.m) < 1e-2
    assert check.within_float32_rounding


def test_check_notices_a_wrong_gradient():
    data = sample_dataset()
    before = Weights(b=0.0, m=0.0)
    right, _ = loss_gradient(data, before, "l2_loss", None)
    wrong = Weights(b=right[0] + 1.0, m=right[1])
    check = check_update(data, TrainingSpec(), None, {"weights": column(before)}, wrong, None)
    assert check.after is None
    assert check.max_abs_difference == pytest.approx(1.0)
    assert not check.within_float32_rounding


def test_check_notices_a_wrong_slot_update():
    data = sample_dataset()
    spec = TrainingSpec(0.01, 0, "adam")
    with LinearRegressionModel(data, spec) as model:
        before = by_role(model, model.state())
        outcome = model.step()
    after = by_role(model, outcome.state)
    after["v"] = (np.asarray(after["v"]) * 1.01).tolist()
    check = check_update(data, spec, None, before, outcome.record.gradient, after)
    assert not check.within_float32_rounding
