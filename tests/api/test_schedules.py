"""Learning-rate schedules through the API: asked for with a run, kept by its config, forks
and rebuilt sessions; each step's rate is the session's, NumPy's formula checks it; bad
schedules are refused with what was wrong."""

import numpy as np
import pytest

from app.api.assignment_query import parse_assignment
from app.domain.schedules import LearningRateSchedule, rate_at
from app.runs.errors import InvalidRunRequestError
from tests.api.test_assignments import open_link
from tests.api.test_exports import fork
from tests.api.test_runs import create, step

SCHEDULES = {
    "exponential_decay": {"decay_steps": 4, "decay_rate": 0.5, "staircase": True},
    "inverse_time_decay": {"decay_steps": 3, "decay_rate": 0.4, "staircase": False},
    "polynomial_decay": {"decay_steps": 8, "end_learning_rate": 0.001, "power": 2.0},
    "piecewise_constant": {"boundaries": [3, 6], "values": [0.05, 0.02, 0.005]},
    "cosine_decay": {"decay_steps": 9, "alpha": 0.2},
}


def scheduled(client, name: str, **settings) -> dict:
    return create(
        client,
        learning_rate=0.05,
        optimizer={"name": "momentum", "momentum": 0.5},
        learning_rate_schedule={"name": name, **SCHEDULES[name]},
        **settings,
    )


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_step_uses_the_schedules_rate_and_numpy_checks_it(client, name):
    run = scheduled(client, name)
    assert run["config"]["learning_rate_schedule"] == {"name": name, "params": SCHEDULES[name]}
    step(client, run["id"], 10)
    schedule = LearningRateSchedule(name, SCHEDULES[name])
    rates = set()
    for k in (1, 4, 5, 9, 10, 11):  # 11: the next update, not yet applied.
        detail = client.get(f"/api/runs/{run['id']}/steps/{k}").json()
        expected = rate_at(schedule, 0.05, k - 1)
        assert detail["learning_rate"] == pytest.approx(expected, rel=1e-6)
        assert detail["learning_rate_schedule"]["name"] == name
        assert detail["check"]["learning_rate"] == expected
        assert detail["check"]["within_float32_rounding"], detail["check"]
        rates.add(round(detail["learning_rate"], 9))
    assert len(rates) > 1


def test_the_rates_of_a_range_of_steps_are_the_sessions_as_each_step_uses_them(client):
    run = scheduled(client, "piecewise_constant")
    step(client, run["id"], 5)
    answer = client.get(f"/api/runs/{run['id']}/learning-rates", params={"count": 9}).json()
    assert answer["first_step"] == 1
    schedule = LearningRateSchedule("piecewise_constant", SCHEDULES["piecewise_constant"])
    assert answer["learning_rates"] == pytest.approx(
        [rate_at(schedule, 0.05, k) for k in range(9)], rel=1e-6
    )
    for k in (4, 6):  # Applied and not yet: the same numbers as each step's own.
        detail = client.get(f"/api/runs/{run['id']}/steps/{k}").json()
        assert answer["learning_rates"][k - 1] == detail["learning_rate"]
    later = client.get(f"/api/runs/{run['id']}/learning-rates", params={"first": 7, "count": 2})
    assert later.json()["learning_rates"] == answer["learning_rates"][6:8]
    constant = create(client, learning_rate=0.01)
    rates = client.get(f"/api/runs/{constant['id']}/learning-rates", params={"count": 3}).json()
    assert rates["learning_rates"] == [0.01, 0.01, 0.01]


@pytest.mark.parametrize("params", [{"count": 0}, {"count": 5001}, {"first": 0}])
def test_a_bad_range_of_rates_is_422(client, params):
    run = scheduled(client, "cosine_decay")
    response = client.get(f"/api/runs/{run['id']}/learning-rates", params=params)
    assert response.status_code == 422
    assert client.get("/api/runs/nope/learning-rates").status_code == 404


def test_the_next_updates_preview_which_the_surface_arrow_draws_uses_the_scheduled_rate(client):
    run = create(
        client,
        learning_rate=0.004,
        learning_rate_schedule={"name": "exponential_decay", **SCHEDULES["exponential_decay"]},
    )
    step(client, run["id"], 4)  # Step 5 runs at global step 4: the rate halves there.
    detail = client.get(f"/api/runs/{run['id']}/steps/5").json()
    assert detail["learning_rate"] == pytest.approx(0.002, rel=1e-6)
    rate = np.float32(detail["learning_rate"])
    for weight in ("b", "m"):
        before = np.float32(detail["weights_before"][weight])
        gradient = np.float32(detail["gradient"][weight])
        # Gradient descent's update, one float32 rounding: the preview is TensorFlow's own.
        assert detail["preview"]["weights_after"][weight] == float(before - rate * gradient)
    step(client, run["id"], 1)
    applied = client.get(f"/api/runs/{run['id']}/steps/5").json()
    assert applied["weights_after"] == detail["preview"]["weights_after"]


def test_a_fork_and_a_rebuilt_session_go_on_along_the_schedule(client):
    run = scheduled(client, "exponential_decay")
    step(client, run["id"], 12)
    uninterrupted = client.get(f"/api/runs/{run['id']}").json()["history"]
    copy = fork(client, run["id"], 5)
    assert copy["config"]["learning_rate_schedule"] == run["config"]["learning_rate_schedule"]
    step(client, copy["id"], 7)
    # Every session is dropped: the next step rebuilds it from the store, global step included.
    client.app.state.service._sessions._registry.close_all()
    step(client, copy["id"], 3)
    step(client, run["id"], 3)
    history = client.get(f"/api/runs/{copy['id']}").json()["history"]
    assert history == client.get(f"/api/runs/{run['id']}").json()["history"]
    assert history[:12] == uninterrupted


@pytest.mark.parametrize(
    ("schedule", "detail"),
    [
        (
            {"name": "step_decay"},
            "learning_rate_schedule: name must be one of exponential_decay, inverse_time_decay, "
            "polynomial_decay, piecewise_constant, cosine_decay",
        ),
        ({"name": "exponential_decay", "decay_rate": 0.5}, "learning_rate_schedule"),
        ({"name": "exponential_decay", "decay_steps": 0, "decay_rate": 0.5}, "decay_steps"),
        ({"name": "exponential_decay", "decay_steps": 5, "decay_rate": 1.5}, "decay_rate"),
        ({"name": "exponential_decay", "decay_steps": 5, "decay_rate": 1e-320}, "decay_rate"),
        ({"name": "polynomial_decay", "decay_steps": 5, "cycle": True}, "cycle"),
        (
            {"name": "piecewise_constant", "boundaries": [5, 3], "values": [0.05, 0.1, 0.2]},
            "boundaries must increase",
        ),
        (
            {"name": "piecewise_constant", "boundaries": [5], "values": [0.05]},
            "values",
        ),
        (
            {"name": "piecewise_constant", "boundaries": [5], "values": [0.1, 0.01]},
            "values[0] is the rate up to the first boundary, so it must equal learning_rate",
        ),
        # TensorFlow's case grows as the square of its pieces: 20 took seconds to build.
        (
            {
                "name": "piecewise_constant",
                "boundaries": list(range(1, 12)),
                "values": [0.05] * 12,
            },
            "boundaries",
        ),
    ],
)
def test_a_bad_schedule_is_refused_saying_what_is_wrong(client, schedule, detail):
    response = client.post(
        "/api/runs", json={"learning_rate": 0.05, "learning_rate_schedule": schedule}
    )
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]


def test_an_assignment_link_sets_the_schedule_and_its_lock_keeps_it(client):
    run = open_link(
        client,
        lr="0.05",
        schedule="piecewise_constant",
        boundaries="3,6",
        values="0.05,0.02,0.005",
        lock="lr",
    )
    expected = {"name": "piecewise_constant", "params": SCHEDULES["piecewise_constant"]}
    assert run["config"]["learning_rate_schedule"] == expected
    constant = client.post("/api/runs", json={"based_on": run["id"], "learning_rate": 0.05})
    assert constant.status_code == 422
    assert constant.json()["detail"].startswith("learning_rate: set by your teacher")
    same = client.post(
        "/api/runs",
        json={
            "based_on": run["id"],
            "learning_rate": 0.05,
            "learning_rate_schedule": {
                "name": "piecewise_constant",
                **SCHEDULES["piecewise_constant"],
            },
        },
    )
    assert same.status_code == 201, same.text


@pytest.mark.parametrize("name", SCHEDULES)
def test_every_schedule_and_each_of_its_parameters_can_be_given_in_a_link(name):
    query = [("lr", "0.05"), ("schedule", name)]
    query += [
        (param, ",".join(map(str, value)) if isinstance(value, list) else str(value).lower())
        for param, value in SCHEDULES[name].items()
    ]
    schedule = parse_assignment(query).spec.learning_rate_schedule
    assert schedule is not None and schedule.schedule().params == SCHEDULES[name]


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"decay_steps": "5"}, "decay_steps: choose the schedule it belongs to too"),
        (
            {"schedule": "cosine_decay", "decay_steps": "5", "staircase": "true"},
            "staircase: cosine_decay has no such parameter; its parameters are decay_steps, alpha",
        ),
        ({"schedule": "piecewise_constant", "boundaries": "3,x", "values": "1"}, "boundaries"),
    ],
)
def test_a_links_bad_schedule_names_its_parameter(query, detail):
    with pytest.raises(InvalidRunRequestError) as refused:
        parse_assignment(list(query.items()))
    assert detail in str(refused.value)
