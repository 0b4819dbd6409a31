import numpy as np
import pytest

from app.domain.data import sample_dataset
from app.domain.records import Weights
from app.domain.schedules import LearningRateSchedule, rate_at
from app.domain.spec import TrainingSpec
from app.reference.checks import UpdateInputs, check_update, closed_form_answer, loss_gradient
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


EXPONENTIAL = LearningRateSchedule(
    "exponential_decay", {"decay_steps": 2, "decay_rate": 0.6, "staircase": True}
)
PIECEWISE = LearningRateSchedule("piecewise_constant", {"boundaries": [2], "values": [0.01, 0.03]})
COSINE = LearningRateSchedule("cosine_decay", {"decay_steps": 5, "alpha": 0.2})


def inputs(model: LinearRegressionModel, step: int, before: dict) -> UpdateInputs:
    """What TensorFlow's step `step` started from, its rate as the session computes it."""
    return UpdateInputs(step, model.learning_rate_at(step - 1), model.batch_for(step), before)


@pytest.mark.parametrize(
    ("optimizer", "params", "loss", "batch_size", "schedule"),
    [
        ("gradient_descent", {}, "l2_loss", None, None),
        ("momentum", {"use_nesterov": True}, "l2_loss", None, EXPONENTIAL),
        ("adagrad", {}, "mean_squared_error", None, None),
        ("rmsprop", {"centered": True, "momentum": 0.5}, "l2_loss", 2, COSINE),
        ("adam", {}, "mean_squared_error", 3, PIECEWISE),
    ],
)
def test_check_of_tensorflow_steps_finds_only_float32_rounding(
    optimizer, params, loss, batch_size, schedule
):
    data = sample_dataset()
    spec = TrainingSpec(0.01, 0, optimizer, params, loss, batch_size, schedule)
    with LinearRegressionModel(data, spec) as model:
        before = by_role(model, model.state())
        for _ in range(4):
            outcome = model.step()
            after = by_role(model, outcome.state)
            record = outcome.record
            check = check_update(
                data, spec, inputs(model, record.step, before), record.gradient, after
            )
            assert check.learning_rate == rate_at(schedule, 0.01, record.step - 1)
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
    check = check_update(
        data, spec, UpdateInputs(5000, 0.005, None, before), record.gradient, after
    )
    assert abs(record.gradient.m) < 1e-2
    assert check.within_float32_rounding


def test_check_notices_a_wrong_gradient():
    data = sample_dataset()
    before = Weights(b=0.0, m=0.0)
    right, _ = loss_gradient(data, before, "l2_loss", None)
    wrong = Weights(b=right[0] + 1.0, m=right[1])
    start = UpdateInputs(1, 0.002, None, {"weights": column(before)})
    check = check_update(data, TrainingSpec(), start, wrong, None)
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
    start = UpdateInputs(1, model.learning_rate_at(0), None, before)
    check = check_update(data, spec, start, outcome.record.gradient, after)
    assert not check.within_float32_rounding


def test_check_notices_a_rate_off_the_schedule():
    data = sample_dataset()
    spec = TrainingSpec(0.01, 0, "momentum", schedule=EXPONENTIAL)
    with LinearRegressionModel(data, spec) as model:
        model.run(3)
        before = by_role(model, model.state())
        outcome = model.step()
        after = by_role(model, outcome.state)
        right = inputs(model, 4, before)
    assert check_update(data, spec, right, outcome.record.gradient, after).within_float32_rounding
    wrong = UpdateInputs(4, 0.01, right.batch, before)  # The constant rate: no decay.
    check = check_update(data, spec, wrong, outcome.record.gradient, after)
    assert not check.within_float32_rounding
