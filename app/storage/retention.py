"""The storage budget and the retention policy: which runs are deleted, and when.

A run can hold 100,000 steps (about 29 MB on SQLite) and forks copy steps, so a class could
fill a disk. A sweep (run by app.runs.sweeper in a worker thread, never on the event loop)
first deletes the runs nobody has stepped or reset for STEPWISE_RETENTION_DAYS; then, while the
store is larger than STEPWISE_STORAGE_BUDGET_MB, the least recently active runs, oldest first,
never one active in the last RECENTLY_ACTIVE_SECONDS. If the store is still over its budget,
it refuses the writes that would grow it (new runs, forks, steps: 507 with Retry-After) until
a sweep finds it under budget again. That refusal is a flag the sweep sets: it costs no query.

Sweeps come every STEPWISE_STORAGE_SWEEP_SECONDS, every OVER_BUDGET_SWEEP_SECONDS while writes
are refused, and sooner when this process has written about half the room that was left: the
store may pass its budget by what is written between two sweeps. Every process sweeps on its
own; their deletes are the same statements, and take turns in the database.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.settings import Settings
from app.storage.store import Store
from app.storage.stored import DeletedRuns, IdleRun, StoreUsage

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
# Runs active this recently are never deleted to make room: a class at work keeps its runs.
RECENTLY_ACTIVE_SECONDS = 600.0
BUDGET_RETRY_AFTER_SECONDS = 60
OVER_BUDGET_SWEEP_SECONDS = 30.0
EARLIEST_SWEEP_SECONDS = 10.0  # A sweep woken early by growth comes no sooner after the last.
RUNS_PER_LOOK = 200  # Runs read per query for deletion.
STEPS_PER_DELETE = 200_000  # One delete transaction removes about this many steps at most.
ROW_BYTES_GUESS = 300  # A stored row's size until the store has rows to measure it by.


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did, and the store's usage after it."""

    finished_at: datetime
    expired: DeletedRuns  # Not stepped or reset for the retention period.
    evicted: DeletedRuns  # Least recently active, deleted to keep the store under its budget.
    usage: StoreUsage
    budget_full: bool  # Still over the budget: writes that grow the store are refused.

    @property
    def deleted(self) -> DeletedRuns:
        return self.expired + self.evicted


def megabytes(size: float) -> str:
    """A size in MB (MiB), to two decimals below 10 MB: a class's first runs are not 0.0."""
    amount = size / MIB
    return f"{amount:,.1f}" if amount >= 10 else f"{amount:.2f}"


def budget_full_detail(used_bytes: int, budget_bytes: int, recently_active_seconds: float) -> str:
    """What a refused write answers (the 507's `detail`)."""
    minutes = round(recently_active_seconds / 60)
    return (
        f"the server's storage budget is full: its runs take {megabytes(used_bytes)} MB of the "
        f"{megabytes(budget_bytes)} MB that STEPWISE_STORAGE_BUDGET_MB allows, and every run "
        f"was used in the last {minutes} minutes, so nothing of this request was stored "
        "(everything stored before is kept). The teacher can raise STEPWISE_STORAGE_BUDGET_MB "
        f"or delete runs; runs left for {minutes} minutes are deleted to make room, so try "
        f"again in {BUDGET_RETRY_AFTER_SECONDS} s"
    )


def _deletion_batch(idle: list[IdleRun], bytes_to_free: float, row_bytes: float) -> list[str]:
    """The first of the `idle` runs, enough to free `bytes_to_free` (about, at `row_bytes` a
    row) and at most about STEPS_PER_DELETE steps: always one run at least, deleted whole."""
    batch: list[str] = []
    steps = 0
    freed = 0.0
    for run in idle:
        if batch and steps + run.steps > STEPS_PER_DELETE:
            break
        batch.append(run.id)
        steps += run.steps
        freed += (run.steps + 1) * row_bytes
        if freed >= bytes_to_free:
            break
    return batch


class StorageKeeper:
    """Applies the retention policy and the storage budget to `store`."""

    def __init__(
        self,
        store: Store,
        budget_bytes: int,
        retention_days: int,
        interval_seconds: float,
        recently_active_seconds: float = RECENTLY_ACTIVE_SECONDS,
    ) -> None:
        self.budget_bytes = budget_bytes
        self.retention_days = retention_days  # 0: runs are kept however long left alone.
        self.interval_seconds = interval_seconds
        self.recently_active_seconds = recently_active_seconds
        self._store = store
        self._last: SweepReport | None = None
        self._sweeping = threading.Lock()  # One sweep at a time.
        self._stopping = threading.Event()
        # When the last sweep started (time.monotonic()), the rows the store had written by
        # then, and how many more rows fitted under the budget.
        self._swept_at = -math.inf
        self._rows_at_sweep = 0
        self._room_rows = math.inf

    @classmethod
    def from_settings(cls, store: Store, settings: Settings) -> "StorageKeeper":
        return cls(
            store,
            budget_bytes=round(settings.storage_budget_mb * MIB),
            retention_days=settings.retention_days,
            interval_seconds=settings.storage_sweep_seconds,
        )

    def usage(self) -> StoreUsage:
        """The store's size and its runs and steps now (a few cheap queries)."""
        return self._store.usage()

    @property
    def last_sweep(self) -> SweepReport | None:
        """What the last sweep of this process did; None before the first."""
        return self._last

    def stop(self) -> None:
        """A sweep under way stops after its current delete; none starts any more."""
        self._stopping.set()

    def sweep_due(self) -> bool:
        """Whether the next sweep is due: no I/O, asked often on the event loop."""
        elapsed = time.monotonic() - self._swept_at
        interval = self.interval_seconds
        if self._store.growth_refused:
            interval = min(interval, OVER_BUDGET_SWEEP_SECONDS)
        if elapsed >= interval:
            return True
        grown = self._store.rows_written - self._rows_at_sweep
        return elapsed >= EARLIEST_SWEEP_SECONDS and grown > 0 and grown >= self._room_rows / 2

    def sweep(self, now: datetime | None = None) -> SweepReport | None:
        """Delete the runs past retention, then keep the store under its budget; refuse or
        allow the writes that grow it. None once stopped."""
        with self._sweeping:
            if self._stopping.is_set():
                return None
            self._swept_at = time.monotonic()
            self._rows_at_sweep = self._store.rows_written
            now = now or datetime.now(UTC)
            expired = self._expire(now)
            usage, evicted = self._keep_under_budget(now)
            full = usage.bytes_used > self.budget_bytes
            self._refuse_or_allow(full, usage)
            room = max(self.budget_bytes - usage.bytes_used, 0)
            rows = usage.runs + usage.steps
            self._room_rows = room / (usage.bytes_used / rows if rows else ROW_BYTES_GUESS)
            report = SweepReport(datetime.now(UTC), expired, evicted, usage, full)
            self._last = report
        if expired.runs or evicted.runs:
            logger.info(
                "storage sweep: deleted %d run(s) with %d step(s) not stepped or reset for "
                "%d days, and %d run(s) with %d step(s) to keep the store under its budget; "
                "it holds %s of %s MB",
                expired.runs,
                expired.steps,
                self.retention_days,
                evicted.runs,
                evicted.steps,
                megabytes(usage.bytes_used),
                megabytes(self.budget_bytes),
            )
        return report

    def _expire(self, now: datetime) -> DeletedRuns:
        """Delete the runs not active for the retention period, in batches."""
        deleted = DeletedRuns()
        if self.retention_days == 0:
            return deleted
        cutoff = now - timedelta(days=self.retention_days)
        while not self._stopping.is_set():
            idle = self._store.idle_runs(cutoff, RUNS_PER_LOOK)
            done = self._store.delete_runs(_deletion_batch(idle, math.inf, 0.0), cutoff)
            deleted += done
            if done.runs == 0:  # None left, or every one in use at this moment.
                break
        return deleted

    def _keep_under_budget(self, now: datetime) -> tuple[StoreUsage, DeletedRuns]:
        """While the store is over its budget, delete the least recently active runs that
        were not active recently, measuring again after each batch."""
        deleted = DeletedRuns()
        usage = self._store.usage()
        cutoff = now - timedelta(seconds=self.recently_active_seconds)
        while usage.bytes_used > self.budget_bytes and not self._stopping.is_set():
            idle = self._store.idle_runs(cutoff, RUNS_PER_LOOK)
            row_bytes = usage.bytes_used / max(usage.runs + usage.steps, 1)
            excess = usage.bytes_used - self.budget_bytes
            done = self._store.delete_runs(_deletion_batch(idle, excess, row_bytes), cutoff)
            deleted += done
            if done.runs == 0:  # Nothing may go: every run was active recently.
                break
            usage = self._store.usage()
        return usage, deleted

    def _refuse_or_allow(self, full: bool, usage: StoreUsage) -> None:
        if full:
            if not self._store.growth_refused:
                logger.warning(
                    "the store (%s MB) is over its budget of %s MB and every run was used "
                    "in the last %d minutes: new runs, forks and steps are refused until one "
                    "may be deleted",
                    megabytes(usage.bytes_used),
                    megabytes(self.budget_bytes),
                    round(self.recently_active_seconds / 60),
                )
            detail = budget_full_detail(
                usage.bytes_used, self.budget_bytes, self.recently_active_seconds
            )
            self._store.refuse_growth(detail, BUDGET_RETRY_AFTER_SECONDS)
        elif self._store.growth_refused:
            logger.info("the store is under its budget again: new runs, forks and steps resume")
            self._store.allow_growth()
