import numpy as np
import pytest

from app.training.data import sample_dataset
from app.training.explain import check_update, closed_form_answer, l2_loss_gradient
from app.training.model import LinearRegressionModel
from app.training.records import Weights
from tests.reference import l2_loss_gradient as reference_gradient

LEARNING_RATE = 0.002


def test_closed_form_answer_is_polyfit():
    data = sample_dataset()
    slope, intercept = np.polyfit(data.x, data.y, 1)
    assert closed_form_answer(data) == Weights(b=intercept, m=slope)


def test_numpy_gradient_is_x_transpose_residual():
    data = sample_dataset(seed=4)
    weights = Weights(b=0.3, m=-0.7)
    expected = reference_gradient(data, np.array([[0.3], [-0.7]]))[:, 0]
    got = l2_loss_gradient(data, weights)
    np.testing.assert_allclose([got.b, got.m], expected, rtol=1e-12)


def test_check_of_a_tensorflow_step_finds_only_float32_rounding():
    data = sample_dataset()
    with LinearRegressionModel(data, LEARNING_RATE, seed=0) as model:
        record = model.step().record
    check = check_update(
        data, record.weights_before, LEARNING_RATE, record.gradient, record.weights_after
    )
    assert check.weights_after is not None
    np.testing.assert_allclose(
        [check.weights_after.b, check.weights_after.m],
        [record.weights_after.b, record.weights_after.m],
        rtol=1e-6,
    )
    assert 0 < check.max_abs_difference < 1e-3
    assert check.max_rel_difference < 1e-6
    assert check.within_float32_rounding


def test_near_convergence_tiny_gradients_are_still_within_rounding():
    """A gradient near zero is a difference of large terms: judged by their size, not its own."""
    data = sample_dataset()
    with LinearRegressionModel(data, 0.005, seed=0) as model:
        outcomes = model.run(5000)
    record = outcomes[-1].record
    check = check_update(data, record.weights_before, 0.005, record.gradient, record.weights_after)
    assert abs(record.gradient.m) < 1e-2
    assert check.within_float32_rounding


def test_check_notices_a_wrong_gradient():
    data = sample_dataset()
    before = Weights(b=0.0, m=0.0)
    right = l2_loss_gradient(data, before)
    wrong = Weights(b=right.b + 1.0, m=right.m)
    check = check_update(data, before, LEARNING_RATE, wrong, None)
    assert check.weights_after is None
    assert check.max_abs_difference == pytest.approx(1.0)
    assert not check.within_float32_rounding
