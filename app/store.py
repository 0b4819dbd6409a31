"""Persistence of runs and their steps (SQLite by default). The store is the truth.

Knows nothing of TensorFlow or HTTP: it keeps plain records and variable states.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
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
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql.elements import BindParameter

from app.training.records import StepRecord, VariableState, Weights

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


# Statements run on every step, built once: building a statement costs more than running it.
_RUN_ID: BindParameter[str] = bindparam("run_id")
_LAST_STEP = (
    select(steps_table.c.step, steps_table.c.diverged)
    .where(steps_table.c.run_id == _RUN_ID)
    .order_by(steps_table.c.step.desc())
    .limit(1)
)
_GENERATION = select(runs_table.c.generation).where(runs_table.c.id == _RUN_ID)
_INSERT_STEPS = insert(steps_table)


@dataclass(frozen=True)
class StoredRun:
    """A run as created: its settings, data, starting state and the closed-form answer."""

    id: str
    created_at: datetime
    config: dict[str, Any]
    points_x: list[float]
    points_y: list[float]
    initial_state: VariableState
    answer: Weights
    generation: int = 0


@dataclass(frozen=True)
class StoredStep:
    """One step to store: its record and the variable state it left (None if diverged)."""

    record: StepRecord
    state: VariableState | None


@dataclass(frozen=True)
class LastStep:
    step: int
    diverged: bool


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


def _enable_sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while a step is written and survives a killed process;
    # foreign keys are off by default in SQLite, and cascading deletes rely on them.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _enable_sqlite_wal)
    return engine


class Store:
    """Runs and steps in a SQL database reached through SQLAlchemy."""

    def __init__(self, url: str) -> None:
        self._engine = _make_engine(url)
        metadata.create_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def add_run(self, run: StoredRun, steps_of: tuple[str, int] | None = None) -> None:
        """Store a new run; with `steps_of=(run_id, k)`, copy that run's steps 1..k into it.

        Both happen in one transaction, so a fork is never stored half copied.
        """
        with self._engine.begin() as connection:
            connection.execute(
                insert(runs_table).values(
                    id=run.id,
                    created_at=run.created_at,
                    config=run.config,
                    points_x=run.points_x,
                    points_y=run.points_y,
                    initial_state=run.initial_state,
                    answer_b=run.answer.b,
                    answer_m=run.answer.m,
                    generation=run.generation,
                )
            )
            if steps_of is not None:
                source_id, last = steps_of
                copied = [c for c in steps_table.c if c.name != "run_id"]
                rows = select(bindparam("target", run.id, type_=String), *copied).where(
                    steps_table.c.run_id == source_id, steps_table.c.step <= last
                )
                connection.execute(
                    insert(steps_table).from_select(["run_id", *(c.name for c in copied)], rows)
                )

    def get_run(self, run_id: str) -> StoredRun | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(runs_table).where(runs_table.c.id == run_id)
            ).one_or_none()
        if row is None:
            return None
        created_at = row.created_at
        if created_at.tzinfo is None:  # SQLite drops the zone; everything is stored in UTC.
            created_at = created_at.replace(tzinfo=UTC)
        return StoredRun(
            id=row.id,
            created_at=created_at,
            config=row.config,
            points_x=row.points_x,
            points_y=row.points_y,
            initial_state=row.initial_state,
            answer=Weights(b=row.answer_b, m=row.answer_m),
            generation=row.generation,
        )

    def add_steps(self, run_id: str, steps: Sequence[StoredStep]) -> None:
        """Store the steps in one transaction: all of them or, on error, none."""
        if not steps:
            return
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
        with self._engine.begin() as connection:
            connection.execute(_INSERT_STEPS, rows)

    def steps(self, run_id: str) -> list[StepRecord]:
        """Return the run's steps in order; values that were not finite come back as NaN."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(steps_table)
                .where(steps_table.c.run_id == run_id)
                .order_by(steps_table.c.step)
            ).all()
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

    def last_state(self, run_id: str) -> VariableState | None:
        """Every variable after the run's last step; None without steps or once diverged."""
        with self._engine.connect() as connection:
            state: VariableState | None = connection.execute(
                select(steps_table.c.state)
                .where(steps_table.c.run_id == run_id)
                .order_by(steps_table.c.step.desc())
                .limit(1)
            ).scalar_one_or_none()
        return state

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

    def reset_run(self, run_id: str) -> None:
        """Delete the run's steps and count the reset, in one transaction."""
        with self._engine.begin() as connection:
            connection.execute(delete(steps_table).where(steps_table.c.run_id == run_id))
            connection.execute(
                update(runs_table)
                .where(runs_table.c.id == run_id)
                .values(generation=runs_table.c.generation + 1)
            )
