"""The statements the store runs on every step, built once, and how rows become records.

Building a statement costs more than running it, so the hot ones are built here, at import.
"""

import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, and_, bindparam, func, insert, select, text, update
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.domain.records import StepRecord, Weights
from app.storage.tables import runs_table, steps_table

# The same upsert in SQLite's and PostgreSQL's dialects.
PROBE_WRITE = text(
    "INSERT INTO health_probe (id, probes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET probes = health_probe.probes + 1"
)


# Everything a step record has: the stored state, the heavy part of a row, is left out.
RECORD_COLUMNS = [c for c in steps_table.c if c.name not in ("run_id", "state")]


# Statements run on every step, built once: building a statement costs more than running it.
RUN_ID: BindParameter[str] = bindparam("run_id")


LAST_STEP = (
    select(steps_table.c.step, steps_table.c.diverged)
    .where(steps_table.c.run_id == RUN_ID)
    .order_by(steps_table.c.step.desc())
    .limit(1)
)


GENERATION = select(runs_table.c.generation).where(runs_table.c.id == RUN_ID)


OWNER = select(runs_table.c.owner_token_hash).where(runs_table.c.id == RUN_ID)


INSERT_STEPS = insert(steps_table)


# The reset's lock, which steps being stored by another process wait for: see reset_in_transaction.
GENERATION_FOR_RESET = GENERATION.with_for_update()


# Where the run's history stands, in one statement (one snapshot): its reset count and its last
# step, found through the (run, step) key. The checkpoint adds the state to continue from.
LAST_STEP_NUMBER = (
    select(steps_table.c.step)
    .where(steps_table.c.run_id == runs_table.c.id)
    .order_by(steps_table.c.step.desc())
    .limit(1)
    .correlate(runs_table)
    .scalar_subquery()
)


# Each run with its last step (NULLs for a run without steps).
RUNS_WITH_LAST_STEP = runs_table.outerjoin(
    steps_table,
    and_(steps_table.c.run_id == runs_table.c.id, steps_table.c.step == LAST_STEP_NUMBER),
)


HEAD = (
    select(runs_table.c.generation, steps_table.c.step, steps_table.c.diverged)
    .select_from(RUNS_WITH_LAST_STEP)
    .where(runs_table.c.id == RUN_ID)
)


CHECKPOINT = HEAD.add_columns(steps_table.c.state, runs_table.c.initial_state)


TOUCH = (
    update(runs_table)
    .where(runs_table.c.id == RUN_ID)
    .values(last_active_at=bindparam("active_at", type_=DateTime(timezone=True)))
)


# The number of runs and of steps. Steps are numbered 1, 2, … once each (add_steps stores a
# run's next ones, a fork copies 1..k, a reset deletes all), so a run's last step number is its
# count of steps: one probe of the (run, step) key per run, whatever the histories' length.
_LAST_STEPS = select(LAST_STEP_NUMBER.label("last")).select_from(runs_table).subquery()


COUNTS = select(func.count(), func.coalesce(func.sum(_LAST_STEPS.c.last), 0)).select_from(
    _LAST_STEPS
)


# PostgreSQL keeps the room of deleted rows for new ones rather than giving it back, so its
# files do not shrink when runs are deleted: their live part is estimated as rows × (average
# width of a row's values, from PostgreSQL's statistics + this much for the row's header, its
# line pointer and its primary key's index entry), at most the files' size. Measured: 233
# bytes a step with 139 of values, 11.7 MB for 50,000 steps.
PG_ROW_OVERHEAD_BYTES = 94


PG_TABLE_SIZES = text(
    "SELECT t.name, pg_total_relation_size(to_regclass(t.name)) AS physical, "
    "(SELECT sum(s.avg_width) FROM pg_stats AS s "
    "WHERE s.schemaname = current_schema() AND s.tablename = t.name) AS row_width "
    "FROM (VALUES ('runs'), ('steps')) AS t(name)"
)


def last_active() -> ColumnElement[datetime]:
    """When a run was last active; a run stored before this was kept counts from its creation."""
    return func.coalesce(runs_table.c.last_active_at, runs_table.c.created_at)


def finite_or_null(value: float) -> float | None:
    # Databases differ on NaN and inf (SQLite turns NaN into NULL); store one spelling: NULL.
    return value if math.isfinite(value) else None


def _nan_if_null(value: float | None) -> float:
    return math.nan if value is None else value


def record_of(row: Any) -> StepRecord:
    return StepRecord(
        step=row.step,
        weights_before=Weights(_nan_if_null(row.b_before), _nan_if_null(row.m_before)),
        gradient=Weights(_nan_if_null(row.grad_b), _nan_if_null(row.grad_m)),
        weights_after=Weights(_nan_if_null(row.b_after), _nan_if_null(row.m_after)),
        loss_before=_nan_if_null(row.loss_before),
        loss_after=_nan_if_null(row.loss_after),
    )


def utc(moment: datetime) -> datetime:
    # SQLite drops the zone; everything is stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
