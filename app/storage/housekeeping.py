"""The store's housekeeping: its size, idle runs and their deletion, the budget's refusals,
and how often a step marks its run active. What app/storage/retention.py acts on."""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.storage.full_disk import StorageBudgetFullError, WriteHealth
from app.storage.statements import (
    COUNTS,
    LAST_STEP_NUMBER,
    PG_ROW_OVERHEAD_BYTES,
    PG_TABLE_SIZES,
    last_active,
    utc,
)
from app.storage.stored import DeletedRuns, IdleRun, StoreUsage
from app.storage.tables import runs_table, steps_table

logger = logging.getLogger(__name__)

# How often a step writes its run's last_active_at, at most, per run and process; and how many
# runs' last such write a process remembers (forgetting one costs one write more).
ACTIVITY_WRITE_SECONDS = 60.0
ACTIVITY_MEMORY = 10_000
ANALYZE_RETRY_SECONDS = 600.0


class ActivityWrites:
    """When this process last wrote each run's last_active_at, so that steps write it at most
    once every ACTIVITY_WRITE_SECONDS per run: stepping costs no write of its own."""

    def __init__(self) -> None:
        self._written: OrderedDict[str, float] = OrderedDict()  # Run id → time.monotonic().
        self._lock = threading.Lock()

    def due(self, run_id: str, moment: float) -> bool:
        with self._lock:
            last = self._written.get(run_id)
        return last is None or moment - last >= ACTIVITY_WRITE_SECONDS

    def written(self, run_id: str, moment: float) -> None:
        with self._lock:
            self._written[run_id] = moment
            self._written.move_to_end(run_id)
            if len(self._written) > ACTIVITY_MEMORY:
                self._written.popitem(last=False)


class Housekeeping:
    """The part of the Store that app/storage/retention.py uses."""

    _engine: Engine
    _writes: WriteHealth
    _analyzed_at: float
    _growth_refused: tuple[str, int] | None
    _rows_written: int

    def usage(self) -> StoreUsage:
        """The store's size in bytes, and its number of runs and of steps, measured cheaply.

        SQLite: the database's pages in use (free pages, left by deletes and reused by the
        next writes, are not counted). PostgreSQL: each table's live rows estimated from
        their count and average width, at most the table's files (see PG_ROW_OVERHEAD_BYTES).
        """
        with self._engine.connect() as connection:
            runs, steps = connection.execute(COUNTS).one()
            if connection.dialect.name == "sqlite":
                pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
                free = connection.exec_driver_sql("PRAGMA freelist_count").scalar_one()
                page_size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
                return StoreUsage((pages - free) * page_size, runs, steps)
            sizes = {row.name: row for row in connection.execute(PG_TABLE_SIZES)}
        rows = {"runs": runs, "steps": steps}
        lacking = [name for name in rows if rows[name] and sizes[name].row_width is None]
        if lacking and self._analyze_for_usage(lacking):
            return self.usage()
        used = 0
        for name, count in rows.items():
            physical, width = int(sizes[name].physical or 0), sizes[name].row_width
            live = physical if width is None else count * (int(width) + PG_ROW_OVERHEAD_BYTES)
            used += min(physical, live) if count else 0
        return StoreUsage(used, runs, steps)

    def _analyze_for_usage(self, tables: list[str]) -> bool:
        """PostgreSQL: gather statistics of tables that have rows but none yet (autovacuum
        keeps them afterwards), at most every ANALYZE_RETRY_SECONDS; whether it did. Until
        then, such a table counts as its files' whole size."""
        moment = time.monotonic()
        if moment - self._analyzed_at < ANALYZE_RETRY_SECONDS:
            return False
        self._analyzed_at = moment
        try:
            with self._engine.begin() as connection:
                for table in tables:  # Names of this module's tables, never a client's text.
                    connection.exec_driver_sql(f"ANALYZE {table}")
        except DBAPIError as error:
            logger.warning("no statistics for the store's size, its files count whole: %s", error)
            return False
        return True

    def idle_runs(self, before: datetime, limit: int) -> list[IdleRun]:
        """Runs last active before `before`, least recently active first, at most `limit`."""
        query = (
            select(runs_table.c.id, last_active().label("active"), LAST_STEP_NUMBER.label("last"))
            .where(last_active() < before)
            .order_by(last_active(), runs_table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [IdleRun(row.id, utc(row.active), row.last or 0) for row in rows]

    def delete_runs(self, run_ids: Sequence[str], idle_before: datetime) -> DeletedRuns:
        """Delete those of the runs still last active before `idle_before`, and their steps,
        in one transaction: steps first, then runs. A run stepped, reset or forked meanwhile
        is kept, and a step being stored for a run deleted here is refused (RunGoneError).

        On PostgreSQL the runs' rows are locked first, skipping those a transaction holds (a
        step being stored, a fork being copied): they are in use. SQLite has one writer at a
        time, which the first delete takes.
        """
        if not run_ids:
            return DeletedRuns()
        idle = and_(runs_table.c.id.in_(run_ids), last_active() < idle_before)
        with self._writes.tracking(), self._engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                locked = select(runs_table.c.id).where(idle).order_by(runs_table.c.id)
                ids = connection.execute(locked.with_for_update(skip_locked=True)).scalars()
                idle = runs_table.c.id.in_(list(ids))
            steps = connection.execute(
                delete(steps_table).where(
                    steps_table.c.run_id.in_(select(runs_table.c.id).where(idle))
                )
            ).rowcount
            runs = connection.execute(delete(runs_table).where(idle)).rowcount
        return DeletedRuns(runs, steps)

    @property
    def rows_written(self) -> int:
        """Runs and steps this process has stored since it started (about: see __init__)."""
        return self._rows_written

    @property
    def growth_refused(self) -> bool:
        """Whether writes that grow the store are refused (see refuse_growth)."""
        return self._growth_refused is not None

    def refuse_growth(self, detail: str, retry_after: int) -> None:
        """Refuse new runs, forks and steps with StorageBudgetFullError(detail, retry_after)
        until allow_growth(); resets and deletes go on."""
        self._growth_refused = (detail, retry_after)

    def allow_growth(self) -> None:
        self._growth_refused = None

    def _refuse_growth_if_over_budget(self) -> None:
        refused = self._growth_refused
        if refused is not None:
            raise StorageBudgetFullError(*refused)
