"""The store's assignments, and what the teacher's live view reads of their runs.

The live view asks every second or two, so each read is one statement over indexed columns:
an assignment's runs with their last steps (through the runs' (assignment, created) index and
the steps' (run, step) key), and the new points of the runs' loss curves, a thinned grid of
steps read only for the runs that moved (app/runs/class_live.py keeps the rest).
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, false, func, insert, or_, select, update
from sqlalchemy.engine import Engine, Row

from app.domain.run_config import RunConfig
from app.storage.full_disk import WriteHealth
from app.storage.statements import RUNS_WITH_LAST_STEP, last_active, utc
from app.storage.stored import (
    AssignmentRunHead,
    CurveRequest,
    RunAttribution,
    StoredAssignment,
)
from app.storage.tables import assignments_table, runs_table, steps_table

# The curves of this many runs are asked for in one statement: 5 parameters each stays far
# under SQLite's (32,766) and PostgreSQL's (65,535) limits.
CURVE_REQUESTS_PER_STATEMENT = 500


def _assignment_of(row: Row[Any]) -> StoredAssignment:
    return StoredAssignment(
        id=row.id,
        created_at=utc(row.created_at),
        title=row.title,
        instructions=row.instructions,
        settings=tuple((str(name), str(value)) for name, value in row.settings),
        locks=tuple(row.locks),
    )


class AssignmentRecords:
    """The part of the Store that keeps assignments and answers the teacher's live view."""

    _engine: Engine
    _writes: WriteHealth  # A write that fails for lack of space answers 507, as any.

    def add_assignment(self, assignment: StoredAssignment) -> None:
        with self._writes.tracking(), self._engine.begin() as connection:
            connection.execute(
                insert(assignments_table).values(
                    id=assignment.id,
                    created_at=assignment.created_at,
                    title=assignment.title,
                    instructions=assignment.instructions,
                    settings=[list(pair) for pair in assignment.settings],
                    locks=list(assignment.locks),
                )
            )

    def get_assignment(self, assignment_id: str) -> StoredAssignment | None:
        query = select(assignments_table).where(assignments_table.c.id == assignment_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else _assignment_of(row)

    def assignments(self, limit: int) -> list[StoredAssignment]:
        """The newest `limit` assignments, newest first."""
        query = (
            select(assignments_table)
            .order_by(assignments_table.c.created_at.desc(), assignments_table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [_assignment_of(row) for row in connection.execute(query)]

    def count_assignments(self) -> int:
        with self._engine.connect() as connection:
            count: int = connection.execute(
                select(func.count()).select_from(assignments_table)
            ).scalar_one()
        return count

    def assignment_runs(self, assignment_id: str, limit: int) -> list[AssignmentRunHead]:
        """The assignment's newest `limit` runs, newest first, each with its last step: one
        statement, one probe of the (run, step) key per run."""
        query = (
            select(
                runs_table.c.id,
                runs_table.c.created_at,
                runs_table.c.config,
                runs_table.c.display_name,
                runs_table.c.by_teacher,
                runs_table.c.generation,
                last_active().label("last_active_at"),
                steps_table.c.step,
                steps_table.c.loss_after,
                steps_table.c.diverged,
            )
            .select_from(RUNS_WITH_LAST_STEP)
            .where(runs_table.c.assignment_id == assignment_id)
            .order_by(runs_table.c.created_at.desc(), runs_table.c.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            AssignmentRunHead(
                id=row.id,
                created_at=utc(row.created_at),
                config=RunConfig.from_json(row.config),
                attribution=RunAttribution(assignment_id, row.display_name, bool(row.by_teacher)),
                generation=row.generation,
                steps=row.step or 0,
                latest_loss=row.loss_after,
                diverged=bool(row.diverged),
                last_active_at=utc(row.last_active_at),
            )
            for row in rows
        ]

    def curve_points(
        self, requests: Sequence[CurveRequest]
    ) -> dict[str, list[tuple[int, float | None]]]:
        """For each request, the (step, loss after it) of the steps it asks for, in order; a
        run reset since its request was made gives none (the caller reads it again whole)."""
        points: dict[str, list[tuple[int, float | None]]] = {r.run_id: [] for r in requests}
        step = steps_table.c.step
        for start in range(0, len(requests), CURVE_REQUESTS_PER_STATEMENT):
            chunk = requests[start : start + CURVE_REQUESTS_PER_STATEMENT]
            wanted = or_(
                false(),
                *(
                    and_(
                        steps_table.c.run_id == r.run_id,
                        runs_table.c.generation == r.generation,
                        step > r.after,
                        step <= r.last,
                        (step - 1) % r.stride == 0,
                    )
                    for r in chunk
                ),
            )
            # Joined to the run for its generation, read in the same statement (one snapshot)
            # as the steps: a reset meanwhile yields no stale points.
            query = (
                select(steps_table.c.run_id, step, steps_table.c.loss_after)
                .select_from(steps_table.join(runs_table, runs_table.c.id == steps_table.c.run_id))
                .where(wanted)
                .order_by(steps_table.c.run_id, step)
            )
            with self._engine.connect() as connection:
                for row in connection.execute(query):
                    points[row.run_id].append((row.step, row.loss_after))
        return points

    def set_display_name(self, run_id: str, display_name: str | None) -> bool:
        """Name the run for the teacher's page (None: no name); False if there is no run."""
        statement = (
            update(runs_table).where(runs_table.c.id == run_id).values(display_name=display_name)
        )
        with self._writes.tracking(), self._engine.begin() as connection:
            return connection.execute(statement).rowcount == 1
