"""Writes that fail because the database's disk is full, told apart from other errors; and
writes refused because the store is over its storage budget (StorageBudgetFullError, raised
by the store while app/storage/retention.py's sweep finds nothing it may delete).

The store turns such a failure into `StorageFullError` (the API answers it 507 with
Retry-After) and remembers it in `WriteHealth` until a write succeeds again, which `/healthz`
reports. Nothing acknowledged is lost meanwhile: every write is one transaction, all or nothing.
Like the store, this knows nothing of HTTP.
"""

import logging
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg.errors import DiskFull
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

# SQLite reports a failed write as SQLITE_FULL when the write itself met ENOSPC, but as a
# disk I/O error when, say, growing its shared-memory index did, and never says the errno;
# such an I/O error counts as "no space" when the database's file system has less than this.
NEARLY_FULL_BYTES = 1024 * 1024
_SQLITE_PRIMARY_CODE = 0xFF  # An extended result code's low byte is its primary code.


# A full disk is fixed by an operator, not at once: asking clients to wait this long keeps a
# class's retries from hammering a server that can store nothing.
DISK_FULL_RETRY_AFTER_SECONDS = 30
DISK_FULL_DETAIL = (
    "the server's disk is full, so nothing of this request was stored (everything stored "
    f"before is kept); try again in {DISK_FULL_RETRY_AFTER_SECONDS} s or later"
)


class StorageFullError(Exception):
    """A write failed for lack of disk space; nothing of it was stored.

    `detail` is what a client is told (the message, for the log, names the database's own
    error), and `retry_after` in how many seconds it may try again.
    """

    detail = DISK_FULL_DETAIL
    retry_after = DISK_FULL_RETRY_AFTER_SECONDS
    code = "disk_full"  # How a page says it in its language (app/locales, `error.<code>`).


class StorageBudgetFullError(StorageFullError):
    """A write that would grow the store was refused before it ran: the store is over the
    server's storage budget and no run may be deleted to make room (app/storage/retention.py)."""

    code = "storage_budget_full"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


def database_directory(engine: Engine) -> Path | None:
    """The directory of an SQLite database's files; None for a server's database."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).parent


def _nearly_full(directory: Path) -> bool:
    try:
        return shutil.disk_usage(directory).free < NEARLY_FULL_BYTES
    except OSError:  # The error being classified must surface, not this one.
        return False


def is_storage_full(error: OperationalError, directory: Path | None) -> bool:
    """Whether `error` (SQLAlchemy's wrapper of the driver's error) says the disk is full.

    `directory` holds the SQLite database's files (None on PostgreSQL).
    """
    cause = error.orig
    if isinstance(cause, DiskFull):  # PostgreSQL's SQLSTATE 53100, e.g. "could not extend file".
        return True
    if not isinstance(cause, sqlite3.Error):
        return False
    # Set by SQLite on every error it reports (Python 3.11+), absent on the module's own.
    code: int | None = getattr(cause, "sqlite_errorcode", None)
    if code is None:
        return False
    primary = code & _SQLITE_PRIMARY_CODE
    if primary == sqlite3.SQLITE_FULL:  # "database or disk is full"
        return True
    return primary == sqlite3.SQLITE_IOERR and directory is not None and _nearly_full(directory)


class WriteHealth:
    """Whether the store's writes are failing for lack of space: set by such a failure,
    cleared by any write that succeeds.

    One flag shared by every thread: assigning a bool is atomic, and when a failing and a
    succeeding write race, either outcome is true of that moment.
    """

    def __init__(self, engine: Engine) -> None:
        self._directory = database_directory(engine)
        self._failing = False

    @property
    def failing(self) -> bool:
        return self._failing

    @contextmanager
    def tracking(self) -> Iterator[None]:
        """Around a write: a failure for lack of space is remembered and raised as
        StorageFullError; any other error passes unchanged; success clears the flag."""
        try:
            yield
        except OperationalError as error:
            if not is_storage_full(error, self._directory):
                raise
            if not self._failing:  # Logged once, not for each refused request.
                logger.warning("writes are failing, the database's disk is full: %s", error.orig)
            self._failing = True
            raise StorageFullError(
                f"the database's disk is full; nothing of this write was stored ({error.orig})"
            ) from error
        if self._failing:
            logger.info("writes succeed again")
            self._failing = False
