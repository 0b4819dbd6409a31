"""Which database errors mean "the disk is full": SQLite's and PostgreSQL's, and no others."""

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import psycopg.errors
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.storage.full_disk import (
    NEARLY_FULL_BYTES,
    StorageFullError,
    WriteHealth,
    database_directory,
    is_storage_full,
)


@pytest.fixture
def tiny_sqlite() -> Iterator[Engine]:
    """An SQLite database that may hold two pages: SQLite itself answers SQLITE_FULL."""
    engine = create_engine("sqlite://")

    def limit_size(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 2")

    event.listen(engine, "connect", limit_size)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE filler (value BLOB)"))
    yield engine
    engine.dispose()


def fill(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO filler VALUES (zeroblob(100000))"))


def real_sqlite_full(engine: Engine) -> OperationalError:
    with pytest.raises(OperationalError) as caught:
        fill(engine)
    return caught.value


def wrapped(cause: Exception) -> OperationalError:
    """The driver's error as SQLAlchemy raises it."""
    return OperationalError("INSERT INTO steps ...", {}, cause)


def sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    """An error as SQLite reports it (the sqlite3 module sets the code on its own)."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code
    return error


def test_sqlites_database_or_disk_is_full_is_storage_full(tiny_sqlite):
    error = real_sqlite_full(tiny_sqlite)
    assert "database or disk is full" in str(error)
    assert is_storage_full(error, None)


def test_postgresqls_disk_full_is_storage_full():
    cause = psycopg.errors.DiskFull('could not extend file "base/16384/16385": No space left')
    assert cause.sqlstate == "53100"
    assert is_storage_full(wrapped(cause), None)


def test_other_operational_errors_are_not_storage_full(tmp_path):
    locked = sqlite_error("database is locked", sqlite3.SQLITE_BUSY)
    assert not is_storage_full(wrapped(locked), tmp_path)
    assert not is_storage_full(wrapped(sqlite3.OperationalError("no code")), tmp_path)
    cancelled = psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
    assert not is_storage_full(wrapped(cancelled), None)


def test_an_io_error_is_storage_full_only_on_a_nearly_full_disk(tmp_path, monkeypatch):
    # SQLITE_IOERR_SHMSIZE: growing the WAL index failed, e.g. for lack of space.
    io_error = wrapped(sqlite_error("disk I/O error", sqlite3.SQLITE_IOERR_SHMSIZE))
    assert not is_storage_full(io_error, tmp_path)  # Room left: some other I/O failure.
    assert not is_storage_full(io_error, None)  # No SQLite directory to look at.

    nearly_full = SimpleNamespace(free=NEARLY_FULL_BYTES - 1)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: nearly_full)
    assert is_storage_full(io_error, tmp_path)


def test_database_directory_is_sqlites_only():
    assert database_directory(create_engine("sqlite:////srv/data/stepwise.db")) == Path("/srv/data")
    assert database_directory(create_engine("sqlite://")) is None
    postgres = create_engine("postgresql+psycopg://user@localhost/stepwise")
    assert database_directory(postgres) is None


def test_write_health_fails_on_a_full_disk_and_recovers_with_any_write(tiny_sqlite):
    health = WriteHealth(tiny_sqlite)
    with pytest.raises(StorageFullError) as caught, health.tracking():
        fill(tiny_sqlite)
    assert "nothing of this write was stored" in str(caught.value)
    assert isinstance(caught.value.__cause__, OperationalError)
    assert health.failing

    # Another error passes unchanged, and leaves the flag as it was.
    with pytest.raises(OperationalError), health.tracking(), tiny_sqlite.begin() as connection:
        connection.execute(text("INSERT INTO no_such_table VALUES (1)"))
    assert health.failing

    with health.tracking(), tiny_sqlite.begin() as connection:
        connection.execute(text("DELETE FROM filler"))
    assert not health.failing
