"""Persistence of runs and their steps (SQLite by default, or PostgreSQL). The store is the truth.

Knows nothing of TensorFlow or HTTP: it keeps plain records and variable states.
"""

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.database import make_engine, schema_lock, single_statement_reads
from app.domain.records import StepRecord, VariableState, Weights
from app.domain.run_config import RunConfig
from app.schema_migration import upgrade_to_head
from app.storage_full import StorageBudgetFullError, WriteHealth

logger = logging.getLogger(__name__)

metadata = MetaData()

runs_table = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("config", JSON, nullable=False),
    Column("points_x", JSON, nullable=False),
    Column("points_y", JSON, nullable=False),
    Column("initial_state", JSON, nullable=False),
    Column("answer_b", Float, nullable=False),
    Column("answer_m", Float, nullable=False),
    # Counts resets, so a stream started before a reset knows to stop.
    Column("generation", Integer, nullable=False, default=0),
    # SHA-256 (hex) of the owner token, never the token; NULL for runs stored before tokens.
    Column("owner_token_hash", String(64), nullable=True),
    # When the run was created, or last stepped or reset: what the retention policy and the
    # storage budget go by (app/retention.py). Written with a step at most once a minute per
    # run and process (see _ActivityWrites); NULL for runs stored before it was kept, which
    # count from created_at.
    Column("last_active_at", DateTime(timezone=True), nullable=True),
)

steps_table = Table(
    "steps",
    metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("b_before", Float),
    Column("m_before", Float),
    Column("grad_b", Float),
    Column("grad_m", Float),
    Column("b_after", Float),
    Column("m_after", Float),
    Column("loss_before", Float),
    Column("loss_after", Float),
    Column("diverged", Boolean, nullable=False),
    # Every variable after this step; null once diverged, since nothing continues from there.
    Column("state", JSON),
)

# One row, rewritten by `Store.ping` while writes are failing for lack of space, to learn
# when they succeed again without waiting for a learner's write.
health_probe_table = Table(
    "health_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("probes", Integer, nullable=False),
)
# The same upsert in SQLite's and PostgreSQL's dialects.
_PROBE_WRITE = text(
    "INSERT INTO health_probe (id, probes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET probes = health_probe.probes + 1"
)


# Everything a step record has: the stored state, the heavy part of a row, is left out.
_RECORD_COLUMNS = [c for c in steps_table.c if c.name not in ("run_id", "state")]

# Statements run on every step, built once: building a statement costs more than running it.
_RUN_ID: BindParameter[str] = bindparam("run_id")
_LAST_STEP = (
    select(steps_table.c.step, steps_table.c.diverged)
    .where(steps_table.c.run_id == _RUN_ID)
    .order_by(steps_table.c.step.desc())
    .limit(1)
)
_GENERATION = select(runs_table.c.generation).where(runs_table.c.id == _RUN_ID)
_OWNER = select(runs_table.c.owner_token_hash).where(runs_table.c.id == _RUN_ID)
_INSERT_STEPS = insert(steps_table)
# The reset's lock, which steps being stored by another process wait for: see reset_in_transaction.
_GENERATION_FOR_RESET = _GENERATION.with_for_update()
# Where the run's history stands, in one statement (one snapshot): its reset count and its last
# step, found through the (run, step) key. The checkpoint adds the state to continue from.
_LAST_STEP_NUMBER = (
    select(steps_table.c.step)
    .where(steps_table.c.run_id == runs_table.c.id)
    .order_by(steps_table.c.step.desc())
    .limit(1)
    .correlate(runs_table)
    .scalar_subquery()
)
# Each run with its last step (NULLs for a run without steps).
_RUNS_WITH_LAST_STEP = runs_table.outerjoin(
    steps_table,
    and_(steps_table.c.run_id == runs_table.c.id, steps_table.c.step == _LAST_STEP_NUMBER),
)
_HEAD = (
    select(runs_table.c.generation, steps_table.c.step, steps_table.c.diverged)
    .select_from(_RUNS_WITH_LAST_STEP)
    .where(runs_table.c.id == _RUN_ID)
)
_CHECKPOINT = _HEAD.add_columns(steps_table.c.state, runs_table.c.initial_state)
_TOUCH = (
    update(runs_table)
    .where(runs_table.c.id == _RUN_ID)
    .values(last_active_at=bindparam("active_at", type_=DateTime(timezone=True)))
)
# The number of runs and of steps. Steps are numbered 1, 2, … once each (add_steps stores a
# run's next ones, a fork copies 1..k, a reset deletes all), so a run's last step number is its
# count of steps: one probe of the (run, step) key per run, whatever the histories' length.
_LAST_STEPS = select(_LAST_STEP_NUMBER.label("last")).select_from(runs_table).subquery()
_COUNTS = select(func.count(), func.coalesce(func.sum(_LAST_STEPS.c.last), 0)).select_from(
    _LAST_STEPS
)
# PostgreSQL keeps the room of deleted rows for new ones rather than giving it back, so its
# files do not shrink when runs are deleted: their live part is estimated as rows × (average
# width of a row's values, from PostgreSQL's statistics + this much for the row's header, its
# line pointer and its primary key's index entry), at most the files' size. Measured: 233
# bytes a step with 139 of values, 11.7 MB for 50,000 steps.
PG_ROW_OVERHEAD_BYTES = 94
_PG_TABLE_SIZES = text(
    "SELECT t.name, pg_total_relation_size(to_regclass(t.name)) AS physical, "
    "(SELECT sum(s.avg_width) FROM pg_stats AS s "
    "WHERE s.schemaname = current_schema() AND s.tablename = t.name) AS row_width "
    "FROM (VALUES ('runs'), ('steps')) AS t(name)"
)
# How often a step writes its run's last_active_at, at most, per run and process; and how many
# runs' last such write a process remembers (forgetting one costs one write more).
ACTIVITY_WRITE_SECONDS = 60.0
ACTIVITY_MEMORY = 10_000
ANALYZE_RETRY_SECONDS = 600.0


@dataclass(frozen=True)
class StoredRun:
    """A run as created: its settings, data, starting state and the closed-form answer."""

    id: str
    created_at: datetime
    config: RunConfig
    points_x: list[float]
    points_y: list[float]
    initial_state: VariableState
    answer: Weights
    generation: int = 0
    owner_token_hash: str | None = None


@dataclass(frozen=True)
class StoredStep:
    """One step to store: its record and the variable state it left (None if diverged)."""

    record: StepRecord
    state: VariableState | None


class StepConflictError(Exception):
    """Steps were not stored: another process stored a step of the same number first, or
    reset the run meanwhile. Nothing of the batch was stored."""


class ForkSourceChangedError(Exception):
    """A fork was not stored: its source lacks the steps to copy, or the last one overflowed
    (a reset, perhaps by another process, came first). Nothing of the fork was stored."""


class RunGoneError(Exception):
    """The run is no longer stored: the retention policy or the storage budget deleted it,
    perhaps while this request was under way. Nothing was stored."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no run with id {run_id[:64]!r}")


@dataclass(frozen=True)
class RunHead:
    """Where a run's history stands: how often it was reset, and its last step (0: none)."""

    generation: int
    step: int
    diverged: bool


@dataclass(frozen=True)
class RunCheckpoint:
    """A run's head and every variable to continue from, read together.

    `state` is the state after the last step, or the initial state when there is no step or
    the last one diverged (nothing continues from an overflow; the run idles at its start).
    """

    head: RunHead
    state: VariableState


@dataclass(frozen=True)
class LastStep:
    step: int
    diverged: bool


@dataclass(frozen=True)
class RunOwner:
    """Who may change a run: the hash of its owner token (None: anyone, an older run)."""

    token_hash: str | None


@dataclass(frozen=True)
class RunSummary:
    """A line of the teacher's list: a run's settings and where its history stands."""

    id: str
    created_at: datetime
    config: RunConfig
    steps: int
    latest_loss: float | None  # None before the first step, or once the loss overflowed.
    diverged: bool


@dataclass(frozen=True)
class StoreUsage:
    """What the store holds: its size in bytes (what the storage budget counts), its runs and
    their steps."""

    bytes_used: int
    runs: int
    steps: int


@dataclass(frozen=True)
class IdleRun:
    """A run, when it was last active (created, stepped or reset), and its number of steps."""

    id: str
    last_active_at: datetime
    steps: int


@dataclass(frozen=True)
class DeletedRuns:
    """How many runs, and steps of theirs, were deleted."""

    runs: int = 0
    steps: int = 0

    def __add__(self, other: "DeletedRuns") -> "DeletedRuns":
        return DeletedRuns(self.runs + other.runs, self.steps + other.steps)


class _ActivityWrites:
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


def _last_active() -> ColumnElement[datetime]:
    """When a run was last active; a run stored before this was kept counts from its creation."""
    return func.coalesce(runs_table.c.last_active_at, runs_table.c.created_at)


def _finite_or_none(value: float) -> float | None:
    # Databases differ on NaN and inf (SQLite turns NaN into NULL); store one spelling: NULL.
    return value if math.isfinite(value) else None


def _nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value


def _record_of(row: Any) -> StepRecord:
    return StepRecord(
        step=row.step,
        weights_before=Weights(_nan_if_none(row.b_before), _nan_if_none(row.m_before)),
        gradient=Weights(_nan_if_none(row.grad_b), _nan_if_none(row.grad_m)),
        weights_after=Weights(_nan_if_none(row.b_after), _nan_if_none(row.m_after)),
        loss_before=_nan_if_none(row.loss_before),
        loss_after=_nan_if_none(row.loss_after),
    )


def _utc(moment: datetime) -> datetime:
    # SQLite drops the zone; everything is stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Store:
    """Runs and steps in a SQL database reached through SQLAlchemy."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        # For the queries made on every step, where each round trip to the database counts.
        self._reads = single_statement_reads(self._engine)
        self._writes = WriteHealth(self._engine)  # Whether writes fail for lack of space.
        self._activity = _ActivityWrites()
        # Set by the storage sweep (app/retention.py) while the store is over its budget and
        # nothing may be deleted: (the refusal's detail, its Retry-After). Read by every write
        # that grows the store, so the check costs no query.
        self._growth_refused: tuple[str, int] | None = None
        # Rows (runs and steps) this process stored, for the sweep to guess the growth since
        # it measured. Counted without a lock: a lost increment only makes the guess rougher.
        self._rows_written = 0
        self._analyzed_at = -math.inf  # PostgreSQL: when usage() last asked for statistics.
        # The tables as declared above, made or migrated by app/migrations' revisions; replicas
        # starting together take turns, and the second finds nothing left to do.
        with schema_lock(self._engine):
            upgrade_to_head(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query; and while writes are failing
        for lack of space, raise StorageFullError unless a small write now succeeds."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if self._writes.failing:
            self._probe_write()

    def _probe_write(self) -> None:
        with self._writes.tracking():
            with self._engine.begin() as connection:
                connection.execute(_PROBE_WRITE)
            if self._engine.dialect.name == "sqlite":
                # The probe fits in the room a failed write left in the WAL, however full the
                # disk; moving the WAL into the database needs room as real writes do, and
                # until it is moved the WAL only grows. PASSIVE: it never waits for readers.
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def add_run(
        self,
        run: StoredRun,
        steps_of: tuple[str, int] | None = None,
        source_generation: int | None = None,
    ) -> None:
        """Store a new run; with `steps_of=(run_id, k)`, copy that run's steps 1..k into it,
        and with `source_generation`, only if that run has not been reset since.

        Both happen in one transaction, so a fork is never stored half copied. Refused with
        StorageBudgetFullError while the store is over its budget; RunGoneError if the run to
        copy from is no longer stored.
        """
        self._refuse_growth_if_over_budget()
        moment = time.monotonic()
        with self._writes.tracking(), self._engine.begin() as connection:
            connection.execute(
                insert(runs_table).values(
                    id=run.id,
                    created_at=run.created_at,
                    config=run.config.to_json(),
                    points_x=run.points_x,
                    points_y=run.points_y,
                    initial_state=run.initial_state,
                    answer_b=run.answer.b,
                    answer_m=run.answer.m,
                    generation=run.generation,
                    owner_token_hash=run.owner_token_hash,
                    last_active_at=datetime.now(UTC),
                )
            )
            if steps_of is not None:
                _copy_steps(connection, steps_of, run.id, source_generation)
        self._activity.written(run.id, moment)
        self._rows_written += 1 + (0 if steps_of is None else steps_of[1])

    def get_run(self, run_id: str) -> StoredRun | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(runs_table).where(runs_table.c.id == run_id)
            ).one_or_none()
        if row is None:
            return None
        return StoredRun(
            id=row.id,
            created_at=_utc(row.created_at),
            config=RunConfig.from_json(row.config),
            points_x=row.points_x,
            points_y=row.points_y,
            initial_state=row.initial_state,
            answer=Weights(b=row.answer_b, m=row.answer_m),
            generation=row.generation,
            owner_token_hash=row.owner_token_hash,
        )

    def run_owner(self, run_id: str) -> RunOwner | None:
        """Who may change the run (one indexed column); None if there is no such run."""
        with self._reads.connect() as connection:
            row = connection.execute(_OWNER, {"run_id": run_id}).one_or_none()
        return None if row is None else RunOwner(token_hash=row.owner_token_hash)

    def run_summaries(self, limit: int, offset: int = 0) -> list[RunSummary]:
        """Runs newest first, each with its last step's number, loss and divergence.

        One query: each run is joined to its last step, found through the (run, step) key.
        """
        query = (
            select(
                runs_table.c.id,
                runs_table.c.created_at,
                runs_table.c.config,
                steps_table.c.step,
                steps_table.c.loss_after,
                steps_table.c.diverged,
            )
            .select_from(_RUNS_WITH_LAST_STEP)
            .order_by(runs_table.c.created_at.desc(), runs_table.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            RunSummary(
                id=row.id,
                created_at=_utc(row.created_at),
                config=RunConfig.from_json(row.config),
                steps=row.step or 0,
                latest_loss=row.loss_after,
                diverged=bool(row.diverged),
            )
            for row in rows
        ]

    def add_steps(
        self, run_id: str, steps: Sequence[StoredStep], generation: int | None = None
    ) -> None:
        """Store the steps in one transaction: all of them or, on error, none.

        Raises StepConflictError if a step of the same number is stored already (the (run,
        step) key refuses it) or, with `generation`, if the run was reset since then;
        RunGoneError if the run is no longer stored; StorageBudgetFullError, before anything,
        while the store is over its budget. Writes the run's last_active_at too, at most once
        a minute (ACTIVITY_WRITE_SECONDS) per run and process.
        """
        if not steps:
            return
        self._refuse_growth_if_over_budget()
        moment = time.monotonic()
        touch = self._activity.due(run_id, moment)
        rows = [
            {
                "run_id": run_id,
                "step": s.record.step,
                "b_before": _finite_or_none(s.record.weights_before.b),
                "m_before": _finite_or_none(s.record.weights_before.m),
                "grad_b": _finite_or_none(s.record.gradient.b),
                "grad_m": _finite_or_none(s.record.gradient.m),
                "b_after": _finite_or_none(s.record.weights_after.b),
                "m_after": _finite_or_none(s.record.weights_after.m),
                "loss_before": _finite_or_none(s.record.loss_before),
                "loss_after": _finite_or_none(s.record.loss_after),
                "diverged": s.record.diverged,
                "state": s.state,
            }
            for s in steps
        ]
        try:
            with self._writes.tracking(), self._engine.begin() as connection:
                if touch:  # Before the insert, as a reset starts: see reset_in_transaction.
                    active_at = datetime.now(UTC)
                    connection.execute(_TOUCH, {"run_id": run_id, "active_at": active_at})
                connection.execute(_INSERT_STEPS, rows)
                if generation is not None:  # Read after the insert: see reset_in_transaction.
                    now = connection.execute(_GENERATION, {"run_id": run_id}).scalar()
                    if now is None:
                        raise RunGoneError(run_id)
                    if now != generation:  # Raised inside the block: nothing is committed.
                        raise StepConflictError(f"run {run_id} was reset meanwhile")
        except IntegrityError as error:
            # The (run, step) key, or the foreign key of a run deleted meanwhile.
            if self.generation(run_id) is None:
                raise RunGoneError(run_id) from error
            raise StepConflictError(f"run {run_id} has one of these steps already") from error
        if touch:
            self._activity.written(run_id, moment)
        self._rows_written += len(rows)

    def head(self, run_id: str) -> RunHead | None:
        """The run's generation and last step (one small indexed query); None if no run."""
        with self._reads.connect() as connection:
            row = connection.execute(_HEAD, {"run_id": run_id}).one_or_none()
        if row is None:
            return None
        return RunHead(row.generation, row.step or 0, bool(row.diverged))

    def checkpoint(self, run_id: str) -> RunCheckpoint | None:
        """The run's head and the state to continue from, read in one statement."""
        with self._reads.connect() as connection:
            row = connection.execute(_CHECKPOINT, {"run_id": run_id}).one_or_none()
        if row is None:
            return None
        head = RunHead(row.generation, row.step or 0, bool(row.diverged))
        state = row.initial_state if row.state is None else row.state
        return RunCheckpoint(head, state)

    def steps(self, run_id: str, after: int = 0, limit: int | None = None) -> list[StepRecord]:
        """The run's steps after step `after`, in order, at most `limit` of them; values that
        were not finite come back as NaN. Reads the records only, never the stored states."""
        query = (
            select(*_RECORD_COLUMNS)
            .where(steps_table.c.run_id == run_id, steps_table.c.step > after)
            .order_by(steps_table.c.step)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_record_of(row) for row in rows]

    def thinned_steps(self, run_id: str, last: int, stride: int, recent: int) -> list[StepRecord]:
        """Steps up to `last`: every `stride`-th from step 1, and the `recent` last ones all.

        A long history's curves need no more (see app.runs.history): one indexed range scan,
        whatever the history's length, and only the records cross to Python.
        """
        step = steps_table.c.step
        query = (
            select(*_RECORD_COLUMNS)
            .where(
                steps_table.c.run_id == run_id,
                step <= last,
                or_(step > last - recent, (step - 1) % stride == 0),
            )
            .order_by(step)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_record_of(row) for row in rows]

    def get_step(self, run_id: str, step: int) -> StepRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(steps_table).where(
                    steps_table.c.run_id == run_id, steps_table.c.step == step
                )
            ).one_or_none()
        return None if row is None else _record_of(row)

    def last_step(self, run_id: str) -> LastStep | None:
        """The number of the run's last step and whether it diverged (cheap: no state)."""
        with self._engine.connect() as connection:
            row = connection.execute(_LAST_STEP, {"run_id": run_id}).one_or_none()
        return None if row is None else LastStep(step=row.step, diverged=row.diverged)

    def state_at(self, run_id: str, step: int) -> VariableState | None:
        """Every variable after step `step`; None if there is no such step or it diverged."""
        with self._engine.connect() as connection:
            state: VariableState | None = connection.execute(
                select(steps_table.c.state).where(
                    steps_table.c.run_id == run_id, steps_table.c.step == step
                )
            ).scalar_one_or_none()
        return state

    def generation(self, run_id: str) -> int | None:
        """How many times the run was reset; None if there is no such run."""
        with self._engine.connect() as connection:
            generation: int | None = connection.execute(
                _GENERATION, {"run_id": run_id}
            ).scalar_one_or_none()
        return generation

    def reset_run(self, run_id: str) -> int:
        """Delete the run's steps and count the reset, in one transaction; return the new
        generation. RunGoneError if the run is no longer stored.

        Allowed over the storage budget: it shrinks the store."""
        moment = time.monotonic()
        with self._writes.tracking(), self._engine.begin() as connection:
            generation = reset_in_transaction(connection, run_id)
        self._activity.written(run_id, moment)
        return generation

    # The storage budget and the retention policy (app/retention.py).

    def usage(self) -> StoreUsage:
        """The store's size in bytes, and its number of runs and of steps, measured cheaply.

        SQLite: the database's pages in use (free pages, left by deletes and reused by the
        next writes, are not counted). PostgreSQL: each table's live rows estimated from
        their count and average width, at most the table's files (see PG_ROW_OVERHEAD_BYTES).
        """
        with self._engine.connect() as connection:
            runs, steps = connection.execute(_COUNTS).one()
            if connection.dialect.name == "sqlite":
                pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
                free = connection.exec_driver_sql("PRAGMA freelist_count").scalar_one()
                page_size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
                return StoreUsage((pages - free) * page_size, runs, steps)
            sizes = {row.name: row for row in connection.execute(_PG_TABLE_SIZES)}
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
            select(runs_table.c.id, _last_active().label("active"), _LAST_STEP_NUMBER.label("last"))
            .where(_last_active() < before)
            .order_by(_last_active(), runs_table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [IdleRun(row.id, _utc(row.active), row.last or 0) for row in rows]

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
        idle = and_(runs_table.c.id.in_(run_ids), _last_active() < idle_before)
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


def _copy_steps(
    connection: Connection, source: tuple[str, int], target_id: str, generation: int | None
) -> None:
    """Copy steps 1..k of run `source = (run_id, k)` to `target_id` inside the database.

    The rows never cross to Python, so a fork of 100,000 steps costs the database, not the
    server's memory. The copy is checked in the same transaction: if the source was reset
    meanwhile, even by another process, or step k overflowed, the fork is refused whole.
    On PostgreSQL the source's row is locked FOR SHARE first, so a reset (which updates the
    row) waits for the copy, and the copy waits for a reset under way.
    """
    source_id, last = source
    # On SQLite the transaction already holds the write lock (the fork's row is inserted).
    read = (
        _GENERATION.with_for_update(read=True)
        if connection.dialect.name == "postgresql"
        else _GENERATION
    )
    now = connection.execute(read, {"run_id": source_id}).scalar()
    if now is None:
        raise RunGoneError(source_id)  # Deleted by the storage sweep meanwhile.
    if generation is not None and now != generation:  # Reset (and maybe stepped) since.
        raise ForkSourceChangedError(f"run {source_id} was reset since its steps were read")
    copied = [c for c in steps_table.c if c.name != "run_id"]
    rows = select(bindparam("target", target_id, type_=String), *copied).where(
        steps_table.c.run_id == source_id, steps_table.c.step <= last
    )
    connection.execute(insert(steps_table).from_select(["run_id", *(c.name for c in copied)], rows))
    # Counted, not taken from the insert's rowcount, which PostgreSQL's driver leaves at -1.
    count = connection.execute(
        select(func.count()).select_from(steps_table).where(steps_table.c.run_id == target_id)
    ).scalar_one()
    if count != last:  # Steps are numbered 1, 2, … once each: `last` of them is all of them.
        raise ForkSourceChangedError(f"run {source_id} has no longer steps 1 to {last}")
    if last > 0:
        state_missing = connection.execute(
            select(steps_table.c.state.is_(None)).where(
                steps_table.c.run_id == target_id, steps_table.c.step == last
            )
        ).scalar_one()
        if state_missing:
            raise ForkSourceChangedError(f"step {last} of run {source_id} overflowed")


def reset_in_transaction(connection: Connection, run_id: str) -> int:
    """Reset the run in the connection's open transaction; return the new generation.

    Steps that another process stores meanwhile must not outlive the reset. On PostgreSQL,
    storing a step holds the run's row FOR KEY SHARE until commit (the foreign key check), and
    locking it FOR UPDATE waits for that: so the delete that follows sees and removes the
    steps stored before the lock, and a transaction storing steps after it waits for the reset
    to commit, then reads the new generation and stores nothing (see add_steps). SQLite has
    one writer at a time, which gives the same order.

    The update also marks the run active. A transaction storing steps that marks it too does
    so first, before its insert: both then start by updating the row, and take turns there
    instead of each waiting for the other's later lock.

    Raises RunGoneError if the run is not stored (deleted meanwhile).
    """
    connection.execute(
        update(runs_table)
        .where(runs_table.c.id == run_id)
        .values(generation=runs_table.c.generation + 1, last_active_at=datetime.now(UTC))
    )
    generation: int | None = connection.execute(
        _GENERATION_FOR_RESET, {"run_id": run_id}
    ).scalar_one_or_none()
    if generation is None:
        raise RunGoneError(run_id)
    connection.execute(delete(steps_table).where(steps_table.c.run_id == run_id))
    return generation
