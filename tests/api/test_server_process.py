"""Behaviour that needs a real server process: crashes, restarts and client disconnects."""

import time

import httpx
import pytest

from tests.api.sse import parse_events
from tests.owners import keep_owner_tokens
from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

CONFIG = {"seed": 3, "learning_rate": 0.003}


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def server(tmp_path, data_dir):
    process = ServerProcess(data_dir, tmp_path / "server.log").start()
    yield process
    process.stop()


@pytest.fixture
def http():
    """A client that keeps each run's owner token, as the page does."""
    with httpx.Client(timeout=30) as client:
        yield keep_owner_tokens(client)


def records(base_url: str, run_id: str) -> list[dict]:
    return httpx.get(f"{base_url}/api/runs/{run_id}").json()["history"]


def test_killed_server_restarts_with_history_intact_and_continues_exactly(server, tmp_path, http):
    api = f"{server.base_url}/api/runs"
    run_id = http.post(api, json=CONFIG).json()["id"]
    http.post(f"{api}/{run_id}/step", json={"n": 10}).raise_for_status()
    with http.stream("GET", f"{api}/{run_id}/stream", params={"n": 5}, timeout=30) as response:
        streamed = parse_events(response.iter_lines())
    assert [kind for kind, _ in streamed] == ["step"] * 5 + ["end"]
    before = records(server.base_url, run_id)
    assert len(before) == 15

    server.kill()
    restarted = ServerProcess(server.data_dir, tmp_path / "restarted.log").start()
    try:
        assert records(restarted.base_url, run_id) == before
        page = httpx.get(f"{restarted.base_url}/runs/{run_id}")
        assert page.status_code == 200
        assert run_id in page.text

        api = f"{restarted.base_url}/api/runs"
        continued = http.post(f"{api}/{run_id}/step", json={"n": 10}).json()["records"]
        reference_id = http.post(api, json=CONFIG).json()["id"]
        uninterrupted = http.post(f"{api}/{reference_id}/step", json={"n": 25}).json()
        assert before + continued == uninterrupted["records"]
    finally:
        restarted.stop()


def test_closing_the_stream_stops_the_computation(server, http):
    api = f"{server.base_url}/api/runs"
    run_id = http.post(api).json()["id"]
    params = {"n": 500, "interval_ms": 100}
    with http.stream("GET", f"{api}/{run_id}/stream", params=params, timeout=30) as response:
        received = 0
        for line in response.iter_lines():
            if line.startswith("event: step"):
                received += 1
                if received == 3:
                    break
    time.sleep(1.0)
    stored_after_close = len(records(server.base_url, run_id))
    time.sleep(1.0)
    assert len(records(server.base_url, run_id)) == stored_after_close
    # Every step the client received is stored; at most the one in progress was added.
    assert 3 <= stored_after_close <= 5
