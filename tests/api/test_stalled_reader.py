"""A stream whose reader stops reading is closed after the send timeout: it holds nothing."""

import socket
import time

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

SEND_TIMEOUT_SECONDS = 1
STEPS = 10_000  # About 4 MB of events: far more than the socket buffers hold.
WAIT_SECONDS = 60  # Only bounds a broken server's test; never asserted as a speed.


@pytest.fixture
def server(tmp_path):
    env = {"STEPWISE_STREAM_SEND_TIMEOUT_SECONDS": str(SEND_TIMEOUT_SECONDS)}
    process = ServerProcess(tmp_path / "data", tmp_path / "server.log", env=env).start()
    yield process
    process.stop()


def steps_stored(base_url: str, run_id: str) -> int:
    return httpx.get(f"{base_url}/api/runs/{run_id}", timeout=30).json()["steps"]


def test_a_reader_that_stops_reading_is_dropped_and_the_run_stops(server):
    created = httpx.post(f"{server.base_url}/api/runs", json={}, timeout=30).json()
    reader = socket.socket()
    # A small window, as a stalled phone's: the server's buffers fill after a few hundred steps.
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.connect(("127.0.0.1", server.port))
    reader.sendall(
        f"GET /api/runs/{created['id']}/stream?n={STEPS} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nX-Owner-Token: {created['owner_token']}\r\n\r\n".encode()
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        stored = steps_stored(server.base_url, created["id"])
        while True:  # Until the count holds still for a while: the stream has ended.
            time.sleep(SEND_TIMEOUT_SECONDS * 3)
            now = steps_stored(server.base_url, created["id"])
            if now == stored or time.monotonic() > deadline:
                break
            stored = now
        assert 0 < stored < STEPS, stored
        # The server closed the stream: reading now gets what was buffered, then the end of
        # the connection, not the rest of the run.
        reader.settimeout(WAIT_SECONDS)
        received = b""
        while chunk := reader.recv(65536):
            received += chunk
        assert received.count(b"event: step") <= stored < STEPS
        assert httpx.get(f"{server.base_url}/livez", timeout=30).status_code == 200
    finally:
        reader.close()
