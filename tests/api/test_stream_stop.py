"""Stop ends a run's streams before their next step, without waiting for the server to notice a
closed connection; the stream's last event says the last step stored (against a real server,
where streams really run concurrently with other requests)."""

import json
import time

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts a server process: not in the fast tier.

STEPS = 2_000  # Far more than any test lets run before Stop.
TIMEOUT_SECONDS = 60  # Only bounds a broken server's test; never asserted as a speed.
PAGE_BUSY_SECONDS = 0.2  # Ten intervals of a 20 ms pace: long enough to run ahead, if it could.


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("stop")
    process = ServerProcess(scratch / "data", scratch / "server.log").start()
    yield process
    process.stop()


def events_of(lines):
    """(event, data) pairs of a server-sent event stream's lines."""
    event = None
    for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event is not None:
            yield event, json.loads(line.removeprefix("data: "))
            event = None


@pytest.mark.parametrize("interval_ms", [50, 0], ids=["paced", "unpaced"])
def test_stop_ends_the_stream_at_the_step_the_page_has_seen(server, interval_ms):
    created = httpx.post(f"{server.base_url}/api/runs", json={}, timeout=30).json()
    owner = {"X-Owner-Token": created["owner_token"]}
    run_url = f"{server.base_url}/api/runs/{created['id']}"
    with httpx.Client(timeout=TIMEOUT_SECONDS, headers=owner) as http:
        params = {"n": STEPS, "interval_ms": interval_ms}
        with http.stream("GET", f"{run_url}/stream", params=params) as stream:
            events = events_of(stream.iter_lines())
            seen = [data["step"] for _, data in (next(events) for _ in range(5))]
            stopped = http.post(f"{run_url}/stop")
            assert (stopped.status_code, stopped.json()) == (200, {"streams": 1})
            rest = list(events)
        stored = http.get(run_url).json()["steps"]
    steps = seen + [data["step"] for event, data in rest if event == "step"]
    end = rest[-1]
    assert end[0] == "end" and end[1]["reason"] == "stopped"
    assert end[1]["step"] == steps[-1] == stored  # The end says the last step stored.
    if interval_ms:  # Paced: at most the step that was due when Stop came.
        assert stored <= seen[-1] + 1, (seen, stored)
    else:  # Unpaced: the chunk under way is finished, no further one started.
        assert stored < STEPS


def test_stop_is_the_owners_and_answers_when_nothing_plays(server):
    created = httpx.post(f"{server.base_url}/api/runs", json={}, timeout=30).json()
    run_url = f"{server.base_url}/api/runs/{created['id']}"
    viewer = httpx.post(f"{run_url}/stop", timeout=30)
    assert (viewer.status_code, viewer.json()["code"]) == (403, "not_owner")
    owner = {"X-Owner-Token": created["owner_token"]}
    idle = httpx.post(f"{run_url}/stop", headers=owner, timeout=30)
    assert (idle.status_code, idle.json()) == (200, {"streams": 0})


def test_a_stream_that_waits_for_its_page_stops_within_one_step_of_what_it_shows(server):
    created = httpx.post(f"{server.base_url}/api/runs", json={}, timeout=30).json()
    owner = {"X-Owner-Token": created["owner_token"]}
    run_url = f"{server.base_url}/api/runs/{created['id']}"
    stream_id = "slow-page-1"
    with httpx.Client(timeout=TIMEOUT_SECONDS, headers=owner) as http:
        params = {"n": STEPS, "interval_ms": 20, "stream": stream_id, "wait_for_page": True}
        with http.stream("GET", f"{run_url}/stream", params=params) as stream:
            events = events_of(stream.iter_lines())
            for shown in (1, 2, 3):
                event, data = next(events)
                assert (event, data["step"]) == ("step", shown)
                time.sleep(PAGE_BUSY_SECONDS)  # Drawing: a server that did not wait runs on.
                assert http.get(run_url).json()["steps"] == shown
                if shown < 3:
                    said = http.post(f"{run_url}/streams/{stream_id}/shown", json={"step": shown})
                    assert said.json() == {"streams": 1}
            # Stop, with step 3 shown but not yet said: nothing after it was computed.
            stopped = http.post(f"{run_url}/stop", json={"stream": stream_id})
            assert stopped.json() == {"streams": 1}
            rest = list(events)
        assert rest == [("end", {**rest[-1][1], "reason": "stopped", "step": 3})]
        assert http.get(run_url).json()["steps"] == 3
