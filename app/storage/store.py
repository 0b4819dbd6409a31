"""Persistence of runs and their steps (SQLite by default, or PostgreSQL). The store is the truth.

Knows nothing of TensorFlow or HTTP: it keeps plain records and variable states.
"""

import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from app.domain.records import Weights
from app.domain.run_config import RunConfig
from app.storage.assignments import AssignmentRecords
from app.storage.database import make_engine, schema_lock, single_statement_reads
from app.storage.full_disk import WriteHealth
from app.storage.housekeeping import ActivityWrites, Housekeeping
from app.storage.migration import upgrade_to_head
from app.storage.statements import (
    GENERATION,
    INSERT_STEPS,
    OWNER,
    PROBE_WRITE,
    RUNS_WITH_LAST_STEP,
    TOUCH,
    finite_or_null,
    utc,
)
from app.storage.step_reads import StepReads
from app.storage.stored import (
    RunAttribution,
    RunGoneError,
    RunOwner,
    RunSummary,
    StepConflictError,
    StoredRun,
    StoredStep,
)
from app.storage.tables import runs_table, steps_table
from app.storage.transactions import copy_steps, reset_in_transaction


class Store(StepReads, Housekeeping, AssignmentRecords):
    """Runs and steps in a SQL database reached through SQLAlchemy: stored and reset here,
    read through StepReads, measured and swept through Housekeeping; assignments and the
    teacher's live view through AssignmentRecords."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        # For the queries made on every step, where each round trip to the database counts.
        self._reads = single_statement_reads(self._engine)
        self._writes = WriteHealth(self._engine)  # Whether writes fail for lack of space.
        self._activity = ActivityWrites()
        # Set by the storage sweep (app/storage/retention.py) while the store is over its budget and
        # nothing may be deleted: (the refusal's detail, its Retry-After). Read by every write
        # that grows the store, so the check costs no query.
        self._growth_refused: tuple[str, int] | None = None
        # Rows (runs and steps) this process stored, for the sweep to guess the growth since
        # it measured. Counted without a lock: a lost increment only makes the guess rougher.
        self._rows_written = 0
        self._analyzed_at = -math.inf  # PostgreSQL: when usage() last asked for statistics.
        # The tables of app/storage/tables.py, made or migrated by app/storage/migrations'
        # revisions; replicas starting together take turns, and the second finds nothing to do.
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
                connection.execute(PROBE_WRITE)
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
                    assignment_id=run.attribution.assignment_id,
                    display_name=run.attribution.display_name,
                    by_teacher=run.attribution.by_teacher,
                )
            )
            if steps_of is not None:
                copy_steps(connection, steps_of, run.id, source_generation)
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
            created_at=utc(row.created_at),
            config=RunConfig.from_json(row.config),
            points_x=row.points_x,
            points_y=row.points_y,
            initial_state=row.initial_state,
            answer=Weights(b=row.answer_b, m=row.answer_m),
            generation=row.generation,
            owner_token_hash=row.owner_token_hash,
            attribution=RunAttribution(
                assignment_id=row.assignment_id,
                display_name=row.display_name,
                by_teacher=bool(row.by_teacher),
            ),
        )

    def run_owner(self, run_id: str) -> RunOwner | None:
        """Who may change the run (one indexed column); None if there is no such run."""
        with self._reads.connect() as connection:
            row = connection.execute(OWNER, {"run_id": run_id}).one_or_none()
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
                runs_table.c.assignment_id,
                runs_table.c.display_name,
                runs_table.c.by_teacher,
                steps_table.c.step,
                steps_table.c.loss_after,
                steps_table.c.diverged,
            )
            .select_from(RUNS_WITH_LAST_STEP)
            .order_by(runs_table.c.created_at.desc(), runs_table.c.id)
            .limit(limit)
            .offset(offset)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            RunSummary(
                id=row.id,
                created_at=utc(row.created_at),
                config=RunConfig.from_json(row.config),
                steps=row.step or 0,
                latest_loss=row.loss_after,
                diverged=bool(row.diverged),
                attribution=RunAttribution(
                    row.assignment_id, row.display_name, bool(row.by_teacher)
                ),
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
                "b_before": finite_or_null(s.record.weights_before.b),
                "m_before": finite_or_null(s.record.weights_before.m),
                "grad_b": finite_or_null(s.record.gradient.b),
                "grad_m": finite_or_null(s.record.gradient.m),
                "b_after": finite_or_null(s.record.weights_after.b),
                "m_after": finite_or_null(s.record.weights_after.m),
                "loss_before": finite_or_null(s.record.loss_before),
                "loss_after": finite_or_null(s.record.loss_after),
                "diverged": s.record.diverged,
                "state": s.state,
            }
            for s in steps
        ]
        try:
            with self._writes.tracking(), self._engine.begin() as connection:
                if touch:  # Before the insert, as a reset starts: see reset_in_transaction.
                    active_at = datetime.now(UTC)
                    connection.execute(TOUCH, {"run_id": run_id, "active_at": active_at})
                connection.execute(INSERT_STEPS, rows)
                if generation is not None:  # Read after the insert: see reset_in_transaction.
                    now = connection.execute(GENERATION, {"run_id": run_id}).scalar()
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

    def reset_run(self, run_id: str) -> int:
        """Delete the run's steps and count the reset, in one transaction; return the new
        generation. RunGoneError if the run is no longer stored.

        Allowed over the storage budget: it shrinks the store."""
        moment = time.monotonic()
        with self._writes.tracking(), self._engine.begin() as connection:
            generation = reset_in_transaction(connection, run_id)
        self._activity.written(run_id, moment)
        return generation
