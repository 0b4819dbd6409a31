"""The HTTP server's own limits (app/serve.py, app/http_limits.py), against a real server
process: heads too large, too many fields, heads and bodies that never finish.

Requests are written byte for byte on sockets, since an HTTP client would refuse to send them
this way. Every read has a generous timeout and no test asserts how fast the server is: only
whether it answered, closed the connection, or (as `uvicorn app.main:app` did) held it open.
"""

import json
import re
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

TIMEOUT_SECONDS = 1  # The server's head and body timeouts here, so the tests are quick.
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADER_COUNT = 100
READ_SECONDS = 30  # Far longer than either timeout: only a server that holds on reaches it.
TRICKLE_SECONDS = 0.1


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("server-limits")
    env = {
        "STEPWISE_HEADER_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "STEPWISE_BODY_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "STEPWISE_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
        "STEPWISE_MAX_HEADER_COUNT": str(MAX_HEADER_COUNT),
    }
    process = ServerProcess(tmp / "data", tmp / "server.log", env=env).start()
    yield process
    process.stop()


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=READ_SECONDS)


def read_until_closed(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes; b"" if it closed (or reset) in silence."""
    received = b""
    try:
        while chunk := conn.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def exchange(server: ServerProcess, request: bytes) -> bytes:
    with connect(server) as conn:
        try:
            conn.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            return b""  # Closed before the whole request was even sent.
        return read_until_closed(conn)


def status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"application/json" in head.lower(), head
    return int(head.split(b" ", 2)[1]), json.loads(body)


def head(*fields: bytes) -> bytes:
    lines = [b"GET /livez HTTP/1.1", b"Host: stepwise", *fields, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def assert_live(server: ServerProcess) -> None:
    assert httpx.get(f"{server.base_url}/livez", timeout=READ_SECONDS).status_code == 200


def test_a_head_over_the_cap_arriving_at_once_is_refused_and_the_server_keeps_answering(server):
    answer = exchange(server, head(b"X-Large: " + b"a" * (4 * MAX_HEADER_BYTES)))
    if answer:  # Else the server closed the connection, which refuses it too.
        status, body = status_and_json(answer)
        assert status == 431
        assert "request head is larger than" in body["detail"]
        assert body["code"] == "head_too_large"
    assert_live(server)


def test_a_head_growing_past_the_cap_is_refused_before_it_ends(server):
    with connect(server) as conn:
        try:
            conn.sendall(b"GET /livez HTTP/1.1\r\nX-Large: ")
            for _ in range(4):  # Never finished: the server must not wait for the rest.
                conn.sendall(b"a" * (MAX_HEADER_BYTES // 2))
                time.sleep(TRICKLE_SECONDS)
        except (BrokenPipeError, ConnectionResetError):
            pass  # Refused already.
        answer = read_until_closed(conn)
    if answer:
        status, body = status_and_json(answer)
        assert status == 431
        assert "request head is larger than" in body["detail"]
        assert body["code"] == "head_too_large"
    assert_live(server)


def test_more_header_fields_than_the_cap_get_431_json(server):
    fields = [b"X-Field-%d: 1" % i for i in range(MAX_HEADER_COUNT + 10)]
    assert len(head(*fields)) < MAX_HEADER_BYTES  # Refused for the count, not the size.
    status, body = status_and_json(exchange(server, head(*fields)))
    assert status == 431
    assert f"at most {MAX_HEADER_COUNT} are accepted" in body["detail"]
    assert (body["code"], body["params"]) == ("too_many_headers", {"max_count": MAX_HEADER_COUNT})
    assert_live(server)


def read_answer(conn: socket.socket) -> bytes:
    """The head of one answer on a kept-alive connection, its body read past."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = conn.recv(65536)
        assert chunk, "the server closed the connection"
        received += chunk
    answer_head, _, body = received.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", answer_head, flags=re.I)
    assert length, answer_head
    while len(body) < int(length.group(1)):
        body += conn.recv(65536)
    return answer_head


@pytest.mark.parametrize("sent", [b"", b"GET /livez HTTP/1.1\r\nHost: stepwise\r\n"])
def test_an_unfinished_head_is_closed_while_an_idle_kept_alive_connection_is_not(server, sent):
    with connect(server) as kept_alive, connect(server) as unfinished:
        kept_alive.sendall(b"GET /livez HTTP/1.1\r\nHost: stepwise\r\n\r\n")
        assert read_answer(kept_alive).startswith(b"HTTP/1.1 200")
        unfinished.sendall(sent)
        assert_live(server)  # Meanwhile, others are served.
        assert read_until_closed(unfinished) == b""
        # Idle for longer than the head's timeout: its clock starts at a request's first byte.
        time.sleep(2 * TIMEOUT_SECONDS)
        kept_alive.sendall(head())
        assert read_until_closed(kept_alive).startswith(b"HTTP/1.1 200")


def test_a_head_trickling_in_is_closed_however_steady_the_bytes(server):
    with connect(server) as conn:
        conn.sendall(b"GET /livez HTTP/1.1\r\nX-Slow: ")
        started = time.monotonic()
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            while time.monotonic() - started < READ_SECONDS:
                conn.sendall(b"a")
                time.sleep(TRICKLE_SECONDS)
    assert_live(server)


def test_a_body_that_stalls_gets_408_json(server):
    request = (
        b"POST /api/runs HTTP/1.1\r\nHost: stepwise\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\nConnection: close\r\n\r\n" + b'{"see'
    )
    with connect(server) as conn:
        conn.sendall(request)
        assert_live(server)  # Meanwhile, others are served.
        answer = read_until_closed(conn)
    if answer:
        status, body = status_and_json(answer)
        assert status == 408
        assert "request body" in body["detail"]
        assert body["code"] == "body_timeout"
    assert_live(server)
