"""Every limit answers a clear 4xx (or 503) that says what to do, and leaves the run as it was;
an evicted or idle-closed session is rebuilt and continues exactly as if it had stayed."""

import threading
import time

import pytest

from app.runs import streaming
from tests.api.sse import parse_events, parse_events_lazily
from tests.runs_api import create_run

WAIT_SECONDS = 20  # Only an upper bound for waiting on the sweeper; never asserted on.


def create(client, **config) -> str:
    return create_run(client, **config)["id"]


def step(client, run_id, n=1):
    return client.post(f"/api/runs/{run_id}/step", json={"n": n})


def stream_events(client, run_id, **params):
    with client.stream("GET", f"/api/runs/{run_id}/stream", params=params) as response:
        assert response.status_code == 200, response.read()
        return parse_events(response.iter_lines())


def history(client, run_id):
    return client.get(f"/api/runs/{run_id}").json()["history"]


def test_a_full_run_says_to_fork_or_reset(app_with):
    client = app_with(max_steps_per_run=10)
    run_id = create(client)
    assert step(client, run_id, 8).status_code == 200
    refused = step(client, run_id, 3)
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert "full" in detail and "at most 10 steps" in detail and "only 2 more fit" in detail
    assert "fork" in detail and "reset" in detail
    streamed = client.get(f"/api/runs/{run_id}/stream", params={"n": 3})
    assert streamed.status_code == 409  # Refused before the stream starts.
    assert len(history(client, run_id)) == 8
    assert step(client, run_id, 2).status_code == 200
    assert "no more fit" in step(client, run_id).json()["detail"]
    fork = client.post(f"/api/runs/{run_id}/fork", json={"step": 5}).json()
    assert step(client, fork["id"], 5).status_code == 200
    assert client.post(f"/api/runs/{run_id}/reset").status_code == 200
    assert step(client, run_id, 10).status_code == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_beyond_the_limit_is_refused_with_413(app_with, chunked):
    client = app_with(max_body_bytes=2048)
    body = b'{"points_csv": "' + b"1,2\\n" * 1000 + b'"}'

    def chunks():
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    response = client.post(
        "/api/runs",
        content=chunks() if chunked else body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "larger than 2048 bytes" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"  # Like every answer.
    small = client.post("/api/runs", json={"points_csv": "1,2\n2,3\n4,4"})
    assert small.status_code == 201


def test_changes_to_a_run_are_rate_limited_per_run_and_owner(app_with):
    client = app_with(run_rate_limit="3/minute")
    run_id, other_id = create(client), create(client)
    assert step(client, run_id).status_code == 200
    assert client.post(f"/api/runs/{run_id}/reset").status_code == 200
    assert len(stream_events(client, run_id, n=2)) == 3
    refused = step(client, run_id)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "too many requests to change this run (at most 3 per 1 minute)" in refused.text
    assert client.get(f"/api/runs/{run_id}/stream", params={"n": 1}).status_code == 429
    assert len(history(client, run_id)) == 2  # Reads are not limited, and nothing changed.
    assert step(client, other_id).status_code == 200  # Each run has its own allowance.
    # Requests with a wrong token (refused as not the owner's) use none of the owner's.
    for _ in range(4):
        client.post(f"/api/runs/{other_id}/reset", headers={"X-Owner-Token": "guess"})
    assert [step(client, other_id).status_code for _ in range(3)] == [200, 200, 429]


def test_computations_beyond_the_cap_are_refused_with_503_and_change_nothing(app_with):
    client = app_with(max_concurrent_computations=1, compute_wait_seconds=0)
    run_id = create(client)
    slots = client.app.state.service._slots  # The one slot, held as a computation would.
    with slots.hold():
        for response in [
            client.post("/api/runs"),
            client.get(f"/api/runs/{run_id}"),
            step(client, run_id),
            client.get(f"/api/runs/{run_id}/stream", params={"n": 5}),
            client.get(f"/api/runs/{run_id}/evaluate"),
            client.get(f"/api/runs/{run_id}/steps/1"),
            client.get(f"/api/runs/{run_id}/graph/value", params={"node": "loss"}),
            client.get(
                f"/api/runs/{run_id}/surface",
                params={"b_min": -1, "b_max": 1, "m_min": -1, "m_max": 1, "size": 4},
            ),
        ]:
            assert response.status_code == 503, response.request.url
            assert response.headers["retry-after"] == "1"
            assert "the server is busy" in response.json()["detail"]
        assert client.get("/livez").status_code == 200
    assert history(client, run_id) == []
    assert step(client, run_id).json()["records"][0]["step"] == 1


def hold_slot_after(client, run_id, events_before, hold_seconds, params):
    """Stream `params`; after `events_before` steps, hold the only computation slot for
    `hold_seconds` from another thread. Return the stream's events."""
    slots = client.app.state.service._slots
    holding = threading.Event()

    def hold():
        with slots.hold():
            holding.set()
            time.sleep(hold_seconds)

    holder = threading.Thread(target=hold)
    events = []
    with client.stream("GET", f"/api/runs/{run_id}/stream", params=params) as response:
        for event in parse_events_lazily(response.iter_lines()):
            events.append(event)
            if len(events) == events_before:
                holder.start()
                holding.wait(WAIT_SECONDS)
    holder.join()
    return events


def test_a_stream_waits_for_a_computation_slot_instead_of_failing(app_with):
    client = app_with(max_concurrent_computations=1, compute_wait_seconds=0)
    run_id = create(client)
    events = hold_slot_after(client, run_id, 2, 0.5, {"n": 6, "interval_ms": 20})
    assert [kind for kind, _ in events] == ["step"] * 6 + ["end"]
    assert events[-1][1]["reason"] == "completed"
    assert len(history(client, run_id)) == 6


def test_a_stream_that_gets_no_slot_in_time_ends_busy(app_with, monkeypatch):
    monkeypatch.setattr(streaming, "STREAM_SLOT_WAIT_SECONDS", 0.3)
    client = app_with(max_concurrent_computations=1, compute_wait_seconds=0)
    run_id = create(client)
    # Paced slowly enough that the slot is taken before step 3 is due, however loaded the
    # machine: the client reads step 2 and starts the holder within the interval.
    events = hold_slot_after(client, run_id, 2, 2.0, {"n": 6, "interval_ms": 300})
    assert [kind for kind, _ in events] == ["step", "step", "end"]
    end = events[-1][1]
    assert end["reason"] == "busy" and end["step"] == 2
    assert "the server is busy" in end["detail"]
    assert len(history(client, run_id)) == 2  # Every step sent is stored, and no other.


OPTIMIZERS = [
    {"name": "adam", "beta1": 0.8},
    {"name": "momentum", "momentum": 0.9, "use_nesterov": True},
]


def play(client, run_id, actions):
    """Apply step (`n`) and stream (`("stream", n, interval_ms)`) actions to the run."""
    for action in actions:
        if isinstance(action, int):
            assert step(client, run_id, action).status_code == 200
        else:
            _, n, interval_ms = action
            events = stream_events(client, run_id, n=n, interval_ms=interval_ms)
            assert events[-1][1]["reason"] == "completed"


def everything(client, run_id):
    """The run's history, its session's current reading, and every variable at the end,
    the optimizer's slots included."""
    run = client.get(f"/api/runs/{run_id}").json()
    last = run["history"][-1]["step"]
    detail = client.get(f"/api/runs/{run_id}/steps/{last}").json()
    return run["history"], run["current"], detail["variables_after"]


@pytest.mark.slow  # Rebuilds a session at every step, for each optimizer.
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o["name"])
def test_runs_evicted_at_every_turn_continue_exactly(app_with, optimizer):
    configs = [
        {"optimizer": optimizer, "learning_rate": 0.01, "seed": 1},
        {"optimizer": optimizer, "learning_rate": 0.02, "seed": 2, "batch_size": 3},
    ]
    turns = [1, 3, ("stream", 4, 0), ("stream", 3, 1), 1, 25]
    evicting = app_with("evicting", max_live_runs=1)
    run_ids = [create(evicting, **config) for config in configs]
    for action in turns:  # Each turn of one run evicts the other's session.
        for run_id in run_ids:
            play(evicting, run_id, [action])
    assert evicting.get("/healthz").json()["live_sessions"] == 1

    reference = app_with("reference")
    for config, run_id in zip(configs, run_ids, strict=True):
        uninterrupted = create(reference, **config)
        play(reference, uninterrupted, turns)
        assert everything(evicting, run_id) == everything(reference, uninterrupted)


def wait_until_no_session_is_live(client):
    deadline = time.monotonic() + WAIT_SECONDS
    while client.app.state.service.live_sessions() > 0:
        assert time.monotonic() < deadline, "the idle sweeper closed no session"
        time.sleep(0.05)


@pytest.mark.slow  # Rebuilds a session at every step, for each optimizer.
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: o["name"])
def test_runs_closed_when_idle_continue_exactly(app_with, optimizer):
    config = {"optimizer": optimizer, "learning_rate": 0.01, "seed": 4}
    parts = [[3], [2, ("stream", 3, 0)], [("stream", 2, 1)], [4]]
    idle = app_with("idle", idle_session_seconds=0.2)
    run_id = create(idle, **config)
    for actions in parts:
        wait_until_no_session_is_live(idle)
        play(idle, run_id, actions)

    reference = app_with("reference")
    uninterrupted = create(reference, **config)
    play(reference, uninterrupted, [action for actions in parts for action in actions])
    assert everything(idle, run_id) == everything(reference, uninterrupted)


def test_requests_for_runs_that_do_not_exist_evict_no_session(app_with, monkeypatch):
    client = app_with(max_live_runs=4)
    run_ids = [create(client) for _ in range(4)]
    for run_id in run_ids:  # A new run's session is made when it is first used.
        assert step(client, run_id).status_code == 200
    service = client.app.state.service
    rebuilt: list[str] = []
    registry = service._sessions._registry
    load = registry._load
    monkeypatch.setattr(registry, "_load", lambda run_id: rebuilt.append(run_id) or load(run_id))
    for index in range(10):
        for path in ("evaluate", "graph", "steps/1", "surface?b_min=0&b_max=1&m_min=0&m_max=1"):
            assert client.get(f"/api/runs/no-such-run-{index}/{path}").status_code == 404
    assert service.live_sessions() == 4
    for run_id in run_ids:
        assert step(client, run_id).status_code == 200
    assert rebuilt == []  # Every session was still live: none had been evicted.
