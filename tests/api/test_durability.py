"""Nothing lost, nothing doubled, against real server processes: concurrent steps on one run,
`kill -9` in the middle of a stream, SIGTERM with fifty open streams, and oversized bodies."""

import json
import signal
import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.api.sse import parse_events_lazily
from tests.owners import keep_owner_tokens
from tests.server import ServerProcess, free_port
from tests.test_dockerfile import ENTRY_COMMAND, on_port

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

CONFIG = {"seed": 5, "learning_rate": 0.003, "optimizer": {"name": "adam"}}
CONCURRENT_REQUESTS = 20
KILLED_STREAM_STEPS = 5000
KILL_AFTER_STEPS = 1500
OPEN_STREAMS = 50
SHUTDOWN_LIMIT_SECONDS = 5.0  # The figure; the measured time is printed.
WAIT_SECONDS = 120  # Upper bounds on waiting for a busy machine; never asserted on.


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("durability")
    process = ServerProcess(root / "data", root / "server.log").start()
    yield process
    process.stop()


def owner_client() -> httpx.Client:
    """A client that keeps the owner token of each run it creates and sends it, as the page."""
    limits = httpx.Limits(max_connections=OPEN_STREAMS + 10)
    return keep_owner_tokens(httpx.Client(timeout=WAIT_SECONDS, limits=limits))


@pytest.fixture
def http():
    with owner_client() as client:
        yield client


def create(http, base_url: str) -> str:
    response = http.post(f"{base_url}/api/runs", json=CONFIG)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def history(base_url: str, run_id: str) -> list[dict]:
    return httpx.get(f"{base_url}/api/runs/{run_id}", timeout=WAIT_SECONDS).json()["history"]


def uninterrupted_records(http, base_url: str, steps: int) -> list[dict]:
    """The records of a new run with the same settings, stepped `steps` times in one go."""
    reference = create(http, base_url)
    response = http.post(f"{base_url}/api/runs/{reference}/step", json={"n": steps})
    return response.json()["records"]


def without_predictions(event: dict) -> dict:
    """A streamed step as the history keeps it."""
    return {key: value for key, value in event.items() if key != "predictions"}


def check_database(path: Path) -> dict[str, list[sqlite3.Row]]:
    """SQLite's own checks, and every run's steps: numbered 1..N with no gap or double, each
    with its full state, each starting where the one before ended."""
    database = sqlite3.connect(path)
    database.row_factory = sqlite3.Row
    try:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = database.execute("SELECT * FROM steps ORDER BY run_id, step").fetchall()
    finally:
        database.close()
    steps: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        steps.setdefault(row["run_id"], []).append(row)
    for run_steps in steps.values():
        assert [row["step"] for row in run_steps] == list(range(1, len(run_steps) + 1))
        for before, row in zip([None, *run_steps], run_steps, strict=False):
            state = json.loads(row["state"])
            assert state["global_step"] == row["step"]
            assert state["weights"] == [[row["b_after"]], [row["m_after"]]]
            if before is not None:
                assert (row["b_before"], row["m_before"]) == (before["b_after"], before["m_after"])
    return steps


@pytest.mark.parametrize("n", [1, 3])
def test_concurrent_step_requests_give_every_step_once_in_order(server, http, n):
    base = server.base_url
    run_id = create(http, base)
    start = threading.Barrier(CONCURRENT_REQUESTS)

    def step(_: int) -> httpx.Response:
        start.wait()
        return http.post(f"{base}/api/runs/{run_id}/step", json={"n": n})

    with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
        responses = list(pool.map(step, range(CONCURRENT_REQUESTS)))

    assert [response.status_code for response in responses] == [200] * CONCURRENT_REQUESTS
    answered = [response.json()["records"] for response in responses]
    for records in answered:  # Each answer's steps are consecutive ...
        first = records[0]["step"]
        assert [record["step"] for record in records] == list(range(first, first + n))
    total = CONCURRENT_REQUESTS * n
    by_step = {record["step"]: record for records in answered for record in records}
    assert sorted(by_step) == list(range(1, total + 1))  # ... and together they are 1..N.
    stored = history(base, run_id)
    assert stored == [by_step[k] for k in range(1, total + 1)]
    assert stored == uninterrupted_records(http, base, total)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_beyond_a_mebibyte_is_refused_with_413(server, chunked):
    body = b'{"points_csv": "' + b"1,2\\n" * 300_000 + b'"}'  # 1.2 MB
    content = (body[i : i + 65536] for i in range(0, len(body), 65536)) if chunked else body
    response = httpx.post(
        f"{server.base_url}/api/runs",
        content=content,
        headers={"content-type": "application/json"},
        timeout=WAIT_SECONDS,
    )
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.json()["detail"]


def test_kill_9_in_the_middle_of_a_stream_loses_no_step_and_continues_exactly(tmp_path, http):
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, tmp_path / "server.log").start()
    restarted = None
    try:
        run_id = create(http, server.base_url)
        received = []
        params = {"n": KILLED_STREAM_STEPS, "interval_ms": 1}
        url = f"{server.base_url}/api/runs/{run_id}/stream"
        with http.stream("GET", url, params=params) as response:
            try:
                for kind, event in parse_events_lazily(response.iter_lines()):
                    assert kind == "step"
                    received.append(event)
                    if len(received) == KILL_AFTER_STEPS:
                        server.kill()  # Events already on their way are still read.
            except httpx.TransportError:
                pass
        check_database(data_dir / "stepwise.db")

        restarted = ServerProcess(data_dir, tmp_path / "restarted.log").start()
        stored = history(restarted.base_url, run_id)
        print(f"\nkill -9: {len(received)} steps received, {len(stored)} stored")
        assert KILL_AFTER_STEPS <= len(received) <= len(stored) < KILLED_STREAM_STEPS
        for event in received:
            assert stored[event["step"] - 1] == without_predictions(event)

        base = restarted.base_url
        continued = http.post(f"{base}/api/runs/{run_id}/step", json={"n": 1}).json()["records"]
        assert continued[0]["step"] == len(stored) + 1
        assert stored + continued == uninterrupted_records(http, base, len(stored) + 1)
    finally:
        server.stop()
        if restarted is not None:
            restarted.stop()
    check_database(data_dir / "stepwise.db")


class OpenStream(threading.Thread):
    """Reads one run's stream to its end, noting when it has sent a few steps."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        super().__init__()
        self.client = client
        self.url = url
        self.events: list[tuple[str, dict]] = []
        self.going = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        params = {"n": 10_000, "interval_ms": 200}
        try:
            # Fifty streams asked for at once may find the server busy: like the page, a
            # refused one (503 or 429) asks again after Retry-After.
            while True:
                with self.client.stream("GET", self.url, params=params) as response:
                    if response.status_code in (429, 503):
                        time.sleep(int(response.headers["retry-after"]))
                        continue
                    assert response.status_code == 200, response.read()
                    for kind, event in parse_events_lazily(response.iter_lines()):
                        self.events.append((kind, event))
                        if len(self.events) == 2:
                            self.going.set()
                    return
        except BaseException as error:
            self.error = error
            self.going.set()


def test_sigterm_with_open_streams_ends_each_with_a_final_event_and_exits_in_time(tmp_path):
    data_dir = tmp_path / "data"
    log = tmp_path / "server.log"
    port = free_port()
    server = ServerProcess(data_dir, log, port=port)
    # The image's own command, so the Dockerfile's shutdown settings are the ones tested.
    server.start(command=[sys.executable, "-m", *on_port(ENTRY_COMMAND, port)])
    try:
        with owner_client() as client:
            run_ids = [create(client, server.base_url) for _ in range(OPEN_STREAMS)]
            streams = [
                OpenStream(client, f"{server.base_url}/api/runs/{run_id}/stream")
                for run_id in run_ids
            ]
            for stream in streams:
                stream.start()
            for stream in streams:
                assert stream.going.wait(WAIT_SECONDS)
                assert stream.error is None, stream.error

            assert server.process is not None
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=WAIT_SECONDS)
            exited_after = time.monotonic() - signalled
            for stream in streams:
                stream.join(WAIT_SECONDS)
    finally:
        server.stop()
    print(f"\n{OPEN_STREAMS} open streams: SIGTERM to exit in {exited_after:.2f} s")
    assert exited_after < SHUTDOWN_LIMIT_SECONDS
    assert "Application shutdown complete" in log.read_text()  # The lifespan closed the store.

    stored = check_database(data_dir / "stepwise.db")
    for run_id, stream in zip(run_ids, streams, strict=True):
        assert stream.error is None, stream.error
        kinds = [kind for kind, _ in stream.events]
        assert kinds == ["step"] * (len(kinds) - 1) + ["end"]
        end = stream.events[-1][1]
        assert end["reason"] == "shutdown"
        assert "shutting down" in end["detail"]
        sent = [event for _, event in stream.events[:-1]]
        assert [event["step"] for event in sent] == list(range(1, len(sent) + 1))
        assert end["step"] == len(sent)
        # Every step sent is stored, and no step was computed but not sent.
        assert [row["step"] for row in stored[run_id]] == [event["step"] for event in sent]
