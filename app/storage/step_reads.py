"""Reading a run's steps back: its head, a checkpoint to continue from, records and states."""

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from app.domain.records import StepRecord, VariableState
from app.storage.statements import (
    CHECKPOINT,
    GENERATION,
    HEAD,
    LAST_STEP,
    RECORD_COLUMNS,
    record_of,
)
from app.storage.stored import LastStep, RunCheckpoint, RunHead
from app.storage.tables import steps_table


class StepReads:
    """The reads of the Store that need no write: each one statement."""

    _engine: Engine
    _reads: Engine  # Single-statement reads (app.storage.database.single_statement_reads).

    def head(self, run_id: str) -> RunHead | None:
        """The run's generation and last step (one small indexed query); None if no run."""
        with self._reads.connect() as connection:
            row = connection.execute(HEAD, {"run_id": run_id}).one_or_none()
        if row is None:
            return None
        return RunHead(row.generation, row.step or 0, bool(row.diverged))

    def checkpoint(self, run_id: str) -> RunCheckpoint | None:
        """The run's head and the state to continue from, read in one statement."""
        with self._reads.connect() as connection:
            row = connection.execute(CHECKPOINT, {"run_id": run_id}).one_or_none()
        if row is None:
            return None
        head = RunHead(row.generation, row.step or 0, bool(row.diverged))
        state = row.initial_state if row.state is None else row.state
        return RunCheckpoint(head, state)

    def steps(self, run_id: str, after: int = 0, limit: int | None = None) -> list[StepRecord]:
        """The run's steps after step `after`, in order, at most `limit` of them; values that
        were not finite come back as NaN. Reads the records only, never the stored states."""
        query = (
            select(*RECORD_COLUMNS)
            .where(steps_table.c.run_id == run_id, steps_table.c.step > after)
            .order_by(steps_table.c.step)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [record_of(row) for row in rows]

    def thinned_steps(self, run_id: str, last: int, stride: int, recent: int) -> list[StepRecord]:
        """Steps up to `last`: every `stride`-th from step 1, and the `recent` last ones all.

        A long history's curves need no more (see app.runs.history): one indexed range scan,
        whatever the history's length, and only the records cross to Python.
        """
        step = steps_table.c.step
        query = (
            select(*RECORD_COLUMNS)
            .where(
                steps_table.c.run_id == run_id,
                step <= last,
                or_(step > last - recent, (step - 1) % stride == 0),
            )
            .order_by(step)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [record_of(row) for row in rows]

    def get_step(self, run_id: str, step: int) -> StepRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(steps_table).where(
                    steps_table.c.run_id == run_id, steps_table.c.step == step
                )
            ).one_or_none()
        return None if row is None else record_of(row)

    def last_step(self, run_id: str) -> LastStep | None:
        """The number of the run's last step and whether it diverged (cheap: no state)."""
        with self._engine.connect() as connection:
            row = connection.execute(LAST_STEP, {"run_id": run_id}).one_or_none()
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
                GENERATION, {"run_id": run_id}
            ).scalar_one_or_none()
        return generation
