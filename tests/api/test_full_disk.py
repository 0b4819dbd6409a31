"""A full disk: every write refused answers 507 with Retry-After, never 500; nothing stored is
lost; `/healthz` is unhealthy until a write succeeds again.

First with writes failing as SQLite and PostgreSQL fail them (the driver's own error, raised
where the statement would run), then on a real full file system: a small tmpfs under a real
server process.
"""

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg.errors
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.main import create_app
from app.settings import Settings
from tests.api.sse import parse_events
from tests.owners import keep_owner_tokens
from tests.server import ServerProcess

pytestmark = pytest.mark.slow  # Starts server processes: not in the fast tier.

RETRY_AFTER = "30"
_WRITES = ("INSERT", "UPDATE", "DELETE")


def driver_disk_full(dialect: str) -> Exception:
    """What the database driver raises when the disk is full."""
    if dialect == "postgresql":
        return psycopg.errors.DiskFull(
            'could not extend file "base/16384/16402": No space left on device'
        )
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # As SQLite sets it.
    return error


class FullDisk:
    """While `full`, every write statement fails as the driver fails it on a full disk."""

    def __init__(self) -> None:
        self.full = False

    def execute(self, _cursor, statement: str, _parameters, context) -> bool:
        if self.full and statement.lstrip().upper().startswith(_WRITES):
            raise driver_disk_full(context.dialect.name)
        return False  # Not handled here: the driver runs the statement.


@pytest.fixture
def full_disk() -> Iterator[FullDisk]:
    disk = FullDisk()
    # On every engine, as each driver call: SQLAlchemy wraps the error as it wraps a real one.
    event.listen(Engine, "do_execute", disk.execute)
    event.listen(Engine, "do_executemany", disk.execute)
    yield disk
    event.remove(Engine, "do_execute", disk.execute)
    event.remove(Engine, "do_executemany", disk.execute)


@pytest.fixture
def api(database_url, tmp_path, full_disk):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, max_live_runs=4)
    with TestClient(create_app(settings)) as client:  # Raises on any unhandled error.
        yield keep_owner_tokens(client)


def assert_storage_full(response: httpx.Response) -> None:
    assert response.status_code == 507, response.text
    assert response.headers["retry-after"] == RETRY_AFTER
    detail = response.json()["detail"]
    assert "disk is full" in detail
    assert "nothing of this request was stored" in detail


def test_writes_on_a_full_disk_answer_507_and_change_nothing(api, full_disk, caplog):
    run = api.post("/api/runs", json={"optimizer": {"name": "adam"}}).json()
    url = f"/api/runs/{run['id']}"
    assert api.post(f"{url}/step", json={"n": 3}).status_code == 200
    before = api.get(url).json()

    full_disk.full = True
    assert_storage_full(api.post("/api/runs", json={}))
    assert_storage_full(api.post(f"{url}/step", json={"n": 5}))
    assert_storage_full(api.post(f"{url}/reset"))
    assert_storage_full(api.post(f"{url}/fork", json={"step": 2}))
    with api.stream("GET", f"{url}/stream", params={"n": 5}) as response:
        events = parse_events(response.iter_lines())
    assert [name for name, _ in events] == ["end"]
    end = events[0][1]
    assert end["reason"] == "error" and end["step"] is None
    assert "disk is full" in end["detail"]
    assert api.get(url).json() == before  # Still 3 steps, the same session state.

    health = api.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "unhealthy"
    assert health.json()["writable"] is False
    assert "writes are failing" in health.json()["detail"]

    full_disk.full = False  # Space freed: /healthz's own probe write succeeds.
    health = api.get("/healthz")
    assert health.status_code == 200
    assert health.json()["writable"] is True
    stepped = api.post(f"{url}/step", json={"n": 1}).json()["records"][0]
    assert stepped["step"] == 4
    assert stepped["weights_before"] == before["history"][-1]["weights_after"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


def test_any_successful_write_clears_the_failure(api, full_disk):
    run = api.post("/api/runs", json={}).json()
    full_disk.full = True
    assert_storage_full(api.post(f"/api/runs/{run['id']}/step", json={"n": 1}))
    full_disk.full = False
    assert api.post(f"/api/runs/{run['id']}/step", json={"n": 1}).status_code == 200
    full_disk.full = True  # /healthz would fail its probe now, but none is needed.
    health = api.get("/healthz")
    assert health.status_code == 200
    assert health.json()["writable"] is True


# The real thing: a tmpfs this small fills after a few requests of STEPS_PER_REQUEST steps
# (about 0.5 KiB each, as SQLite stores them).
TMPFS_SIZE = "4m"
ROOMY_TMPFS_SIZE = "64m"
STEPS_PER_REQUEST = 1000
MOST_REQUESTS = 40
REFUSED_REQUESTS = 5
WAIT_SECONDS = 120  # Upper bound on a busy machine; never asserted on.


def mount_tmpfs(directory: Path, size: str, remount: bool = False) -> None:
    options = f"remount,size={size}" if remount else f"size={size}"
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], check=True)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A tmpfs of TMPFS_SIZE, unmounted afterwards (root only: CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root (CI runs the tests as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    mount_tmpfs(disk, TMPFS_SIZE)
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)


@pytest.fixture
def server_on_small_disk(small_disk, tmp_path) -> Iterator[ServerProcess]:
    process = ServerProcess(small_disk / "data", tmp_path / "server.log").start()
    yield process
    process.stop()  # Before the tmpfs is unmounted.


def stored_steps(database: Path, run_id: str) -> list[tuple[int, float, float, float]]:
    """The run's steps as the file holds them, after SQLite's own integrity check."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return connection.execute(
            "SELECT step, b_after, m_after, loss_after FROM steps WHERE run_id = ? ORDER BY step",
            (run_id,),
        ).fetchall()
    finally:
        connection.close()


def as_stored(record: dict) -> tuple[int, float, float, float]:
    after = record["weights_after"]
    return (record["step"], after["b"], after["m"], record["loss_after"])


def test_a_real_full_disk_answers_507_keeps_the_connection_and_recovers(
    server_on_small_disk, small_disk
):
    server = server_on_small_disk
    base = server.base_url
    # One connection for everything: a refusal must not close it.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    streams: list[object] = []  # Each answer's connection, kept so that ids stay unique.
    with keep_owner_tokens(httpx.Client(timeout=WAIT_SECONDS, limits=limits)) as http:

        def send(method: str, path: str, **kwargs) -> httpx.Response:
            response = http.request(method, f"{base}{path}", **kwargs)
            streams.append(response.extensions["network_stream"])
            return response

        run = send("POST", "/api/runs", json={"optimizer": {"name": "adam"}}).json()
        url = f"/api/runs/{run['id']}"
        acknowledged: list[dict] = []
        for _ in range(MOST_REQUESTS):
            response = send("POST", f"{url}/step", json={"n": STEPS_PER_REQUEST})
            if response.status_code != 200:
                break
            acknowledged += response.json()["records"]
        assert_storage_full(response)
        assert acknowledged, "the disk filled before any step was stored: make the tmpfs larger"

        for _ in range(REFUSED_REQUESTS):  # Refused again, on the same connection.
            assert_storage_full(send("POST", f"{url}/step", json={"n": STEPS_PER_REQUEST}))
            assert send("GET", url).status_code == 200
            health = send("GET", "/healthz")
            assert health.status_code == 503
            assert health.json()["writable"] is False

        database = small_disk / "data" / "stepwise.db"
        assert stored_steps(database, run["id"]) == [as_stored(r) for r in acknowledged]

        mount_tmpfs(small_disk, ROOMY_TMPFS_SIZE, remount=True)  # Space freed.
        assert send("GET", "/healthz").status_code == 200
        response = send("POST", f"{url}/step", json={"n": STEPS_PER_REQUEST})
        assert response.status_code == 200, response.text
        continued = response.json()["records"]
        assert continued[0]["step"] == len(acknowledged) + 1
        assert continued[0]["weights_before"] == acknowledged[-1]["weights_after"]
        assert stored_steps(database, run["id"]) == [as_stored(r) for r in acknowledged + continued]
    assert len({id(stream) for stream in streams}) == 1, "a request needed a new connection"
    log = server.log_path.read_text()
    assert "Exception in ASGI application" not in log
    assert "Traceback" not in log
