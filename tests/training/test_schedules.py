"""Learning-rate schedules: a run's steps equal TensorFlow's own optimizer driven by the same
`tf.compat.v1.train` schedule op, one step at a time or many in one call, and the session's
rate at any step is the schedule's formula."""

import numpy as np
import pytest
import tensorflow as tf

from app.domain.data import Dataset, sample_dataset
from app.domain.schedules import LearningRateSchedule, rate_at
from app.domain.spec import OPTIMIZER_CLASSES, TrainingSpec
from app.training.model import LinearRegressionModel
from app.training.shared_graph import session_config

v1 = tf.compat.v1
STEPS = 24
INITIAL = np.array([[0.3], [-0.2]], dtype=np.float32)

SCHEDULES = {
    "exponential": LearningRateSchedule(
        "exponential_decay", {"decay_steps": 5, "decay_rate": 0.5, "staircase": False}
    ),
    "exponential-staircase": LearningRateSchedule(
        "exponential_decay", {"decay_steps": 4, "decay_rate": 0.7, "staircase": True}
    ),
    "inverse-time": LearningRateSchedule(
        "inverse_time_decay", {"decay_steps": 3, "decay_rate": 0.8, "staircase": False}
    ),
    "polynomial": LearningRateSchedule(
        "polynomial_decay", {"decay_steps": 10, "end_learning_rate": 0.0001, "power": 2.0}
    ),
    "polynomial-linear": LearningRateSchedule(
        "polynomial_decay", {"decay_steps": 7, "end_learning_rate": 0.0005, "power": 1.0}
    ),
    "piecewise": LearningRateSchedule(
        "piecewise_constant", {"boundaries": [3, 9], "values": [0.01, 0.004, 0.001]}
    ),
    "cosine": LearningRateSchedule("cosine_decay", {"decay_steps": 15, "alpha": 0.1}),
}
# An optimizer for each schedule, so that each optimizer meets a schedule.
OPTIMIZERS = {
    "exponential": ("gradient_descent", {}),
    "exponential-staircase": ("momentum", {"momentum": 0.8, "use_nesterov": True}),
    "inverse-time": ("adagrad", {"initial_accumulator_value": 0.1}),
    "polynomial": ("rmsprop", {"decay": 0.9, "momentum": 0.2, "epsilon": 1e-10, "centered": True}),
    "polynomial-linear": ("adam", {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
    "piecewise": ("gradient_descent", {}),
    "cosine": ("adam", {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8}),
}


def spec_of(key: str, batch_size: int | None = None) -> TrainingSpec:
    optimizer, params = OPTIMIZERS[key]
    return TrainingSpec(0.01, 1, optimizer, params, batch_size=batch_size, schedule=SCHEDULES[key])


def tensorflow_reference(data: Dataset, spec: TrainingSpec, steps: int) -> np.ndarray:
    """The weights after each step of a plain TF1 program: the optimizer given the schedule's
    op on the global step, `minimize(loss, global_step=global_step)`, as a learner writes it,
    in a session configured as the run's (Grappler's rewriting off: with it, the decay's
    arithmetic may differ in its last bit, and the listings' tests allow for that)."""
    schedule = spec.schedule
    assert schedule is not None
    p = schedule.params
    with tf.Graph().as_default(), v1.Session(config=session_config()) as session:
        weights = v1.Variable(INITIAL)
        errors = tf.matmul(tf.constant(data.design_matrix()), weights) - data.target_column()
        loss = tf.nn.l2_loss(errors)
        global_step = v1.train.get_or_create_global_step()
        if schedule.name == "piecewise_constant":
            rate = v1.train.piecewise_constant(global_step, p["boundaries"], p["values"])
        elif schedule.name == "cosine_decay":
            rate = v1.train.cosine_decay(spec.learning_rate, global_step, **p)
        else:
            rate = getattr(v1.train, schedule.name)(spec.learning_rate, global_step, **p)
        optimizer = getattr(v1.train, OPTIMIZER_CLASSES[spec.optimizer])(rate, **spec.params())
        update = optimizer.minimize(loss, global_step=global_step)
        session.run(v1.global_variables_initializer())
        weights_after = []
        for _ in range(steps):
            session.run(update)
            weights_after.append(session.run(weights)[:, 0])
    return np.array(weights_after)


def engine_weights(model: LinearRegressionModel, outcomes) -> np.ndarray:
    return np.array([[o.record.weights_after.b, o.record.weights_after.m] for o in outcomes])


@pytest.mark.parametrize("key", SCHEDULES)
def test_steps_equal_tensorflows_optimizer_driven_by_the_same_schedule(key):
    data = sample_dataset(num_points=7, seed=2)
    spec = spec_of(key)
    with LinearRegressionModel(data, spec) as model:
        model.restore({**model.state(), "weights": INITIAL.tolist()})
        single = engine_weights(model, [model.step() for _ in range(STEPS)])
    expected = tensorflow_reference(data, spec, STEPS)
    np.testing.assert_array_equal(single, expected.astype(np.float64))
    # The rate really changes over these steps: a schedule ignored would not match.
    rates = {rate_at(spec.schedule, spec.learning_rate, k) for k in range(STEPS)}
    assert len(rates) > 1


@pytest.mark.parametrize("key", SCHEDULES)
def test_many_steps_in_one_call_follow_the_schedule_as_single_steps_do(key):
    data = sample_dataset(num_points=7, seed=2)
    spec = spec_of(key, batch_size=3)
    with (
        LinearRegressionModel(data, spec) as single,
        LinearRegressionModel(data, spec) as fused,
    ):
        one_by_one = [single.step() for _ in range(STEPS)]
        together = fused.run(5) + fused.run(STEPS - 5)
    assert [o.record for o in together] == [o.record for o in one_by_one]
    assert [o.state for o in together] == [o.state for o in one_by_one]


@pytest.mark.parametrize("key", SCHEDULES)
def test_the_sessions_rate_at_a_step_is_the_schedules_formula(key):
    spec = spec_of(key)
    with LinearRegressionModel(sample_dataset(), spec) as model:
        for global_step in (0, 1, 3, 4, 7, 9, 10, 14, 15, 16, 40):
            expected = rate_at(spec.schedule, spec.learning_rate, global_step)
            # float32 arithmetic in the op: a few roundings of the rate.
            assert model.learning_rate_at(global_step) == pytest.approx(expected, rel=1e-6)


def test_a_restored_run_continues_on_its_schedule():
    data = sample_dataset()
    spec = spec_of("exponential-staircase")
    with LinearRegressionModel(data, spec) as original, LinearRegressionModel(data, spec) as copy:
        original.run(6)
        copy.restore(original.state())
        assert [o.record for o in copy.run(10)] == [o.record for o in original.run(10)]


def test_the_rate_reported_is_the_one_the_update_used_to_the_bit():
    spec = spec_of("exponential")  # Gradient descent: w − lr × g, one float32 rounding.
    with LinearRegressionModel(sample_dataset(), spec) as model:
        for outcome in [model.step() for _ in range(8)]:
            record = outcome.record
            rate = np.float32(model.learning_rate_at(record.step - 1))
            for before, gradient, after in (
                (record.weights_before.b, record.gradient.b, record.weights_after.b),
                (record.weights_before.m, record.gradient.m, record.weights_after.m),
            ):
                assert np.float32(before) - rate * np.float32(gradient) == np.float32(after)
        assert len(set(model.learning_rates(0, 8))) > 1  # Several rates were so checked.
