"""Work done inside one open transaction: copying a fork's steps, resetting a run."""

from datetime import UTC, datetime

from sqlalchemy import String, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from app.storage.statements import GENERATION, GENERATION_FOR_RESET
from app.storage.stored import ForkSourceChangedError, RunGoneError
from app.storage.tables import runs_table, steps_table


def copy_steps(
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
        GENERATION.with_for_update(read=True)
        if connection.dialect.name == "postgresql"
        else GENERATION
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
        GENERATION_FOR_RESET, {"run_id": run_id}
    ).scalar_one_or_none()
    if generation is None:
        raise RunGoneError(run_id)
    connection.execute(delete(steps_table).where(steps_table.c.run_id == run_id))
    return generation
