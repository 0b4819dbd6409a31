"""One process at a time computes a run, across every app process sharing the database.

Each process already steps a run one request at a time (the run's lock in RunRegistry); with
several processes on one PostgreSQL database (replicas while runs move during a restart, or
behind a balancer that does not route by run), they would otherwise step one run at the same
moment and race to store the same step numbers, the loser computing again. Instead a
computation holds a PostgreSQL advisory lock keyed by the run: the other process waits its
turn in PostgreSQL's queue of waiters, which grants the lock in the order it was asked for, so
two processes stepping one run take turns rather than one of them losing every race.

SQLite is one process's file (two processes on one file are for tests only): there the lock
is nothing, and the store's refusal of a step stored twice keeps the history right.
"""

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from app.runs.errors import RunBusyError
from app.storage.database import CONNECT_TIMEOUT_SECONDS

# How long a computation waits for another process to finish with the run: longer than the
# longest computation (10,000 steps, stored) takes, short enough for a client to be told to
# try again rather than wait on.
RUN_LOCK_WAIT_SECONDS = 5.0
# Connections holding (or waiting for) a run's lock at once in one process, in a pool of
# their own, apart from the store's (app/storage/database.py: 5 kept, 10 more under load). A holder
# also runs the store's queries, one at a time on the store's pool; as no thread holding a
# store connection ever waits for a lock connection, the two pools cannot deadlock, however
# many computations `max_concurrent_computations` (2 × CPUs) allows. Only steps and resets
# take one, and a process computes about one core's worth at once, so four keep it busy;
# with the store's 15 a replica opens at most 19 connections, and five replicas fit
# PostgreSQL's default of 100 (3 of them kept for superusers).
RUN_LOCK_CONNECTIONS = 4
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires.


def run_lock_key(run_id: str) -> int:
    """The run's advisory lock key: a 64-bit hash of its id, the same in every process
    (Python's hash() of a string is salted per process)."""
    digest = hashlib.blake2b(run_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)  # PostgreSQL's bigint is signed.


class RunLocks:
    """Per-run locks across the processes that share the database at `url`."""

    def __init__(self, url: str) -> None:
        self._engine: Engine | None = None
        if make_url(url).get_backend_name() == "postgresql":
            self._engine = create_engine(
                url,
                # Each lock is one transaction, begun and ended by the statements below, so
                # the transaction costs no round trips of its own.
                isolation_level="AUTOCOMMIT",
                pool_pre_ping=True,  # A connection the server closed is replaced, not used.
                pool_size=RUN_LOCK_CONNECTIONS,
                max_overflow=0,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            )
        # Waited for with the caller's bound, so the pool itself never blocks.
        self._connections = threading.BoundedSemaphore(RUN_LOCK_CONNECTIONS)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    @contextmanager
    def exclusive(self, run_id: str, wait_seconds: float = RUN_LOCK_WAIT_SECONDS) -> Iterator[None]:
        """Hold the run's lock for the body: no other process's body for the same run runs
        meanwhile. Raises RunBusyError, before the body, if the lock was not had within
        `wait_seconds`. Released when the body ends, however it ends (a transaction-level
        lock: also when the connection or the process dies)."""
        if self._engine is None:
            yield
            return
        deadline = time.monotonic() + wait_seconds
        if not self._connections.acquire(timeout=wait_seconds):
            raise RunBusyError(wait_seconds)
        try:
            with self._engine.connect() as connection:
                remaining_ms = max(1, round((deadline - time.monotonic()) * 1000))  # 0: forever
                # One round trip: both values are integers computed here, never a client's text.
                lock = (
                    f"BEGIN; SET LOCAL lock_timeout = {remaining_ms}; "
                    f"SELECT pg_advisory_xact_lock({run_lock_key(run_id)})"
                )
                try:
                    connection.exec_driver_sql(lock)
                except OperationalError as error:
                    if not error.connection_invalidated:  # Ends the failed transaction.
                        connection.exec_driver_sql("ROLLBACK")
                    if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                        raise RunBusyError(wait_seconds) from error
                    raise
                try:
                    yield
                finally:
                    connection.exec_driver_sql("COMMIT")  # Releases the lock.
        finally:
            self._connections.release()
