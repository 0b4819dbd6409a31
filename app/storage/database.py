"""Engines for the store: SQLite for one process, PostgreSQL for several processes or machines.

Knows nothing of the tables: `app.storage.store` declares them, and has them made or migrated
(app/storage/migration.py) under `schema_lock`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic_core import to_json
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# A server process's connections. A worker thread holds one only while its queries run, so a
# few serve many requests. With the 4 that hold runs' locks (app/runs/run_locks.py), 5 kept and
# 10 more under load let five replicas share PostgreSQL's default of 100 connections.
POOL_SIZE = 5
MAX_OVERFLOW = 10
CONNECT_TIMEOUT_SECONDS = 10  # A database that does not answer fails /healthz, not hangs it.
# Any fixed number: the PostgreSQL advisory lock that replicas starting together take in turn.
SCHEMA_LOCK_KEY = 0x5_7E9_815E


def _enable_sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while a step is written and survives a killed process;
    # foreign keys are off by default in SQLite, and cascading deletes rely on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def compact_json(value: Any) -> str:
    """The JSON columns' encoder: every stored step writes its variables as JSON, which the
    standard library's encoder takes 4.7 µs to do and pydantic's 0.9 µs. Infinity and NaN are
    written as the standard library writes them (its decoder reads the columns back)."""
    return to_json(value, inf_nan_mode="constants").decode()


def make_engine(url: str) -> Engine:
    """An engine for `url`: SQLite (its directory created, WAL) or a pooled server database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            # A connection the server closed (restart, idle timeout) is replaced, not used.
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            json_serializer=compact_json,
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        json_serializer=compact_json,
    )
    event.listen(engine, "connect", _enable_sqlite_wal)
    return engine


def single_statement_reads(engine: Engine) -> Engine:
    """The engine for reads of one statement, which need no transaction of their own.

    On PostgreSQL they run in autocommit, which saves the BEGIN and ROLLBACK round trips, half
    of such a read's time. SQLite's are calls within the process, where switching the mode
    costs more than it saves.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock over the whole database while its tables are created or upgraded.

    Replicas of the app often start at the same moment, and on PostgreSQL two concurrent
    `CREATE TABLE`s of one table fail in the loser even when both checked first; an advisory
    lock makes them take turns, and the second finds the tables made. SQLite needs none: it
    is one process's file (several processes there are for tests only).
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
            connection.commit()
