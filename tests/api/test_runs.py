import time

import numpy as np
import pytest

from app.domain.data import sample_dataset
from tests.api.sse import parse_events, parse_events_lazily, strict_json
from tests.conftest import TEST_MAX_POINTS, TEST_MAX_STEPS
from tests.runs_api import create_run as create


def step(client, run_id, n=1):
    response = client.post(f"/api/runs/{run_id}/step", json={"n": n})
    assert response.status_code == 200, response.text
    return response.json()


def stream(client, run_id, **params):
    with client.stream("GET", f"/api/runs/{run_id}/stream", params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers  # Compression would hold events back.
        return parse_events(response.iter_lines())


def test_create_defaults_to_the_sample(client):
    response = client.post("/api/runs")
    assert response.status_code == 201
    run = strict_json(response.text)
    assert response.headers["location"] == f"/api/runs/{run['id']}"
    assert run["url"] == f"/runs/{run['id']}"
    assert run["config"] == {
        "learning_rate": 0.002,
        "seed": 0,
        "num_points": 5,
        "noise": 1.5,
        "x_range": [-10.0, 10.0],
        "custom_points": False,
        "custom_initial_weights": False,
        "optimizer": "gradient_descent",
        "optimizer_params": {},
        "loss": "l2_loss",
        "batch_size": None,
        "learning_rate_schedule": None,
        "preset": None,
        "forked_from": None,
        "locks": [],
        "optimizer_class": "GradientDescentOptimizer",
    }
    data = sample_dataset()
    assert run["points"] == {"x": data.x.tolist(), "y": data.y.tolist()}
    slope, intercept = np.polyfit(data.x, data.y, 1)
    assert run["answer"] == pytest.approx({"b": intercept, "m": slope})
    assert run["history"] == []
    assert run["current"]["step"] == 0
    assert run["current"]["weights"] == run["initial_weights"]
    assert len(run["current"]["predictions"]) == 5
    assert run["diverged"] is False


def test_same_config_same_run_but_a_new_unguessable_id(client):
    first, second = create(client), create(client)
    assert first["id"] != second["id"]
    assert len(first["id"]) >= 22  # 16 random bytes, URL-safe base64: 128 bits.
    assert first["points"] == second["points"]
    assert first["initial_weights"] == second["initial_weights"]
    assert step(client, first["id"], 10)["records"] == step(client, second["id"], 10)["records"]


def test_create_with_own_points_and_initial_weights(client):
    run = create(
        client,
        points=[{"x": -1, "y": 1}, {"x": 0, "y": 2}, {"x": 1, "y": 3}],
        initial_weights={"b": 0.5, "m": -0.5},
        learning_rate=0.1,
    )
    assert run["points"] == {"x": [-1.0, 0.0, 1.0], "y": [1.0, 2.0, 3.0]}
    assert run["initial_weights"] == {"b": 0.5, "m": -0.5}
    assert run["answer"] == pytest.approx({"b": 2.0, "m": 1.0})
    assert run["config"]["custom_points"] is True
    assert run["config"]["noise"] is None
    record = step(client, run["id"])["records"][0]
    # dL/db = Σ r_i and dL/dm = Σ r_i·x_i, with the residuals r_i = (b + m·x_i) − y_i by hand.
    residuals = np.array([0.5 + 0.5 - 1, 0.5 - 2, 0.5 - 0.5 - 3])
    assert record["gradient"] == pytest.approx(
        {"b": residuals.sum(), "m": (residuals * [-1, 0, 1]).sum()}
    )


def test_step_returns_records_in_order_and_get_shows_the_history(client):
    run = create(client)
    batch = step(client, run["id"], 3)
    assert [r["step"] for r in batch["records"]] == [1, 2, 3]
    assert batch["current"]["step"] == 3
    assert batch["current"]["weights"] == batch["records"][-1]["weights_after"]
    assert batch["current"]["loss"] == batch["records"][-1]["loss_after"]
    assert step(client, run["id"])["records"][0]["step"] == 4

    fetched = client.get(f"/api/runs/{run['id']}").json()
    assert [r["step"] for r in fetched["history"]] == [1, 2, 3, 4]
    assert fetched["history"][:3] == batch["records"]
    assert fetched["current"]["step"] == 4


def test_step_without_a_body_applies_one_update(client):
    run = create(client)
    response = client.post(f"/api/runs/{run['id']}/step")
    assert response.status_code == 200
    assert [r["step"] for r in response.json()["records"]] == [1]


def test_stream_sends_each_step_then_a_final_event(client):
    run = create(client)
    events = stream(client, run["id"], n=50)
    kinds = [kind for kind, _ in events]
    assert kinds == ["step"] * 50 + ["end"]
    assert [data["step"] for _, data in events[:-1]] == list(range(1, 51))
    assert events[-1][1] == {
        "reason": "completed",
        "step": 50,
        "diverged": False,
        "detail": None,
        "code": None,
        "params": {},
    }
    assert all(len(data["predictions"]) == 5 for _, data in events[:-1])
    history = client.get(f"/api/runs/{run['id']}").json()["history"]
    streamed = [{k: v for k, v in data.items() if k != "predictions"} for _, data in events[:-1]]
    assert history == streamed


def test_reset_goes_back_to_step_zero_with_the_same_data(client):
    run = create(client)
    step(client, run["id"], 5)
    response = client.post(f"/api/runs/{run['id']}/reset")
    assert response.status_code == 200
    reset = response.json()
    assert reset["history"] == []
    assert reset["current"] == run["current"]
    assert reset["points"] == run["points"]
    assert step(client, run["id"])["records"][0]["step"] == 1


def test_a_diverging_run_reports_null_and_refuses_more_steps(client):
    run = create(client, learning_rate=1.0)
    events = stream(client, run["id"], n=TEST_MAX_STEPS)
    kind, end = events[-1]
    assert kind == "end"
    assert end["reason"] == "diverged"
    assert end["diverged"] is True
    last_step = events[-2][1]
    assert last_step["diverged"] is True
    assert end["step"] == last_step["step"] < TEST_MAX_STEPS
    assert None in (last_step["loss_after"], last_step["weights_after"]["b"])

    response = client.post(f"/api/runs/{run['id']}/step", json={"n": 1})
    assert response.status_code == 409
    assert "diverged at step" in response.json()["detail"]
    assert client.get(f"/api/runs/{run['id']}/stream", params={"n": 5}).status_code == 409

    fetched = client.get(f"/api/runs/{run['id']}")
    body = strict_json(fetched.text)  # No NaN or Infinity anywhere in the JSON.
    assert body["diverged"] is True
    assert body["diverged_at"] == last_step["step"]
    assert body["current"] is None

    # Reset recovers the run.
    assert client.post(f"/api/runs/{run['id']}/reset").json()["diverged"] is False
    assert step(client, run["id"])["records"][0]["step"] == 1


def test_a_step_request_that_diverges_stops_at_the_diverged_step(client):
    run = create(client, learning_rate=1.0)
    batch = strict_json(client.post(f"/api/runs/{run['id']}/step", json={"n": TEST_MAX_STEPS}).text)
    assert batch["diverged"] is True
    assert batch["current"] is None
    assert batch["records"][-1]["diverged"] is True
    assert not any(r["diverged"] for r in batch["records"][:-1])


def test_unknown_run_is_404_everywhere(client):
    missing = "does-not-exist"
    for method, path in [
        ("GET", f"/api/runs/{missing}"),
        ("POST", f"/api/runs/{missing}/step"),
        ("POST", f"/api/runs/{missing}/reset"),
        ("GET", f"/api/runs/{missing}/stream"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404, path
        assert "no run with id" in response.json()["detail"]


BAD_CREATES = [
    ({"learning_rate": 0}, "learning_rate"),
    ({"learning_rate": -0.1}, "learning_rate"),
    ({"learning_rate": "fast"}, "learning_rate"),
    ({"learning_rate": None}, "learning_rate"),
    ({"learning_rate": "0.01"}, "learning_rate: Input should be a valid number"),
    ({"learning_rate": True}, "learning_rate"),
    ({"learning_rate": 1e-40}, "too small"),
    ({"seed": "3"}, "seed"),
    ({"num_points": 1}, "num_points"),
    ({"num_points": TEST_MAX_POINTS + 1}, "num_points"),
    ({"noise": -1}, "noise"),
    ({"x_range": [5, -5]}, "x_range"),
    ({"seed": -1}, "seed"),
    ({"points": [{"x": 1, "y": 2}]}, "at least 2"),
    ({"points": [{"x": 1, "y": 2}, {"x": 1, "y": 3}]}, "one x value"),
    ({"points": [{"x": 1}, {"x": 2, "y": 3}]}, "points.0.y"),
    ({"points": [[1, 2], [3, 4]]}, "points.0"),
    ({"points": [{"x": i, "y": i} for i in range(TEST_MAX_POINTS + 1)]}, "at most"),
    ({"points": [{"x": 1, "y": 1e30}, {"x": 2, "y": 3}]}, "points.0.y"),
    ({"initial_weights": {"b": 1}}, "initial_weights.m"),
    ({"learning_rate": 0.01, "optimiser": "adam"}, "optimiser"),
]


@pytest.mark.parametrize(("body", "mentions"), BAD_CREATES)
def test_bad_settings_are_refused_with_a_clear_message(client, body, mentions):
    response = client.post("/api/runs", json=body)
    assert response.status_code == 422
    detail = strict_json(response.text)["detail"]
    assert mentions in detail


@pytest.mark.parametrize(
    "raw",
    [
        '{"learning_rate": NaN}',
        '{"learning_rate": Infinity}',
        '{"learning_rate": 1e999}',
        '{"points": [{"x": NaN, "y": 1}, {"x": 2, "y": 3}]}',
        '{"learning_rate": 0.01',
        "not json",
    ],
)
def test_non_finite_or_malformed_json_is_refused_without_echoing_it(client, raw):
    response = client.post("/api/runs", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert strict_json(response.text)["detail"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"n": 0}, "n must be between 1 and"),
        ({"n": -3}, "n must be between 1 and"),
        ({"n": TEST_MAX_STEPS + 1}, f"between 1 and {TEST_MAX_STEPS}"),
        ({"n": "many"}, "n:"),
        ({"n": 1.5}, "n:"),
        ({"n": True}, "n: Input should be a valid integer"),
        ({"n": "3"}, "n: Input should be a valid integer"),
        ({"steps": 2}, "steps"),
    ],
)
def test_bad_step_requests_change_nothing(client, body, mentions):
    run = create(client)
    step(client, run["id"], 2)
    before = client.get(f"/api/runs/{run['id']}").json()
    response = client.post(f"/api/runs/{run['id']}/step", json=body)
    assert response.status_code == 422
    assert mentions in response.json()["detail"]
    assert client.get(f"/api/runs/{run['id']}").json() == before


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"n": 0}, "n must be between"),
        ({"n": TEST_MAX_STEPS + 1}, "n must be between"),
        ({"n": "x"}, "n:"),
        ({"n": 5, "interval_ms": -1}, "interval_ms"),
        ({"n": 5, "interval_ms": 5000}, "interval_ms"),
    ],
)
def test_bad_stream_requests_are_refused_before_streaming(client, params, mentions):
    run = create(client)
    response = client.get(f"/api/runs/{run['id']}/stream", params=params)
    assert response.status_code == 422
    assert mentions in response.json()["detail"]
    assert client.get(f"/api/runs/{run['id']}").json()["history"] == []


def test_runs_survive_eviction_from_memory(client, settings):
    runs = [create(client) for _ in range(settings.max_live_runs + 2)]
    step(client, runs[0]["id"], 3)  # Evicted by now, so rebuilt from the store.
    for other in runs[1:]:
        step(client, other["id"])
    continued = step(client, runs[0]["id"], 2)["records"]
    reference = create(client)
    assert continued == step(client, reference["id"], 5)["records"][3:]


def test_health_and_docs(client):
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/runs",
        "/api/runs/{run_id}",
        "/api/runs/{run_id}/step",
        "/api/runs/{run_id}/stream",
        "/api/runs/{run_id}/reset",
        "/healthz",
    ]:
        assert path in paths
    assert client.get("/docs").status_code == 200


def test_a_reset_stops_a_stream_that_was_running(client):
    run = create(client)
    events = []
    params = {"n": 30, "interval_ms": 20}
    with client.stream("GET", f"/api/runs/{run['id']}/stream", params=params) as response:
        lines = response.iter_lines()
        for kind, data in parse_events_lazily(lines):
            events.append((kind, data))
            if kind == "step" and data["step"] == 3:
                assert client.post(f"/api/runs/{run['id']}/reset").status_code == 200
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end"
    assert events[-1][1]["reason"] == "reset"
    assert "was reset" in events[-1][1]["detail"]
    assert [data["step"] for kind, data in events if kind == "step"] == [1, 2, 3]
    assert client.get(f"/api/runs/{run['id']}").json()["history"] == []


def test_a_diverged_run_still_refuses_steps_after_its_session_was_rebuilt(client, settings):
    run = create(client, learning_rate=1.0)
    diverged_at = step(client, run["id"], TEST_MAX_STEPS)["records"][-1]["step"]
    for _ in range(settings.max_live_runs + 1):  # Evicts the diverged run's session.
        create(client)
    response = client.post(f"/api/runs/{run['id']}/step", json={"n": 1})
    assert response.status_code == 409
    assert f"diverged at step {diverged_at}" in response.json()["detail"]


def test_a_new_run_of_shared_settings_costs_no_session_until_it_is_used(client):
    """Its starting values are the shared graph's, read once; its session comes with its first
    step, and its numbers are those of a run that had one from the start."""
    service = client.app.state.service
    first = create(client)
    second = create(client)
    assert service.live_sessions() == 0
    assert first["current"] == second["current"]
    stepped = client.post(f"/api/runs/{first['id']}/step", json={"n": 5}).json()
    assert service.live_sessions() == 1
    chosen = create(client, initial_weights=first["initial_weights"])  # Set in a session.
    assert service.live_sessions() == 2
    again = client.post(f"/api/runs/{chosen['id']}/step", json={"n": 5}).json()
    assert again["records"] == stepped["records"]


def test_the_default_sample_is_ready_before_its_first_visitor(app_with):
    """At start-up the server builds the default sample's graph and warms sessions of it; a
    new run's first step takes one, and its numbers are a fresh run's."""
    client = app_with(warm_sessions=2)
    warm = client.app.state.service._sessions.warm
    deadline = time.monotonic() + 60
    while warm.ready_count() < 2:
        assert time.monotonic() < deadline, "the default sample's sessions were never warmed"
        time.sleep(0.05)
    run = create(client)
    stepped = client.post(f"/api/runs/{run['id']}/step", json={"n": 50}).json()
    cold = app_with("cold", warm_sessions=0)
    other = create(cold)
    assert (
        cold.post(f"/api/runs/{other['id']}/step", json={"n": 50}).json()["records"]
        == (stepped["records"])
    )
