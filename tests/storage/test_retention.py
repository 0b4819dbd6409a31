"""The storage budget and the retention policy (app/storage/retention.py) on the store, on SQLite
and on PostgreSQL (see tests/databases.py): what is measured, what is deleted, what is refused."""

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update

import app.storage.housekeeping
from app.storage.full_disk import StorageBudgetFullError
from app.storage.retention import BUDGET_RETRY_AFTER_SECONDS, StorageKeeper
from app.storage.store import Store
from app.storage.stored import DeletedRuns, RunGoneError
from app.storage.tables import runs_table, steps_table
from tests.storage.test_store import make_run, make_step

DAY = timedelta(days=1)
BIG_BUDGET = 1 << 40


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    yield store
    store.close()


def keeper_of(store: Store, budget_bytes: int = BIG_BUDGET, retention_days: int = 30):
    return StorageKeeper(store, budget_bytes, retention_days, interval_seconds=300)


def add_run_with_steps(store: Store, run_id: str, steps: int, created_at=None) -> None:
    run = make_run(run_id)
    store.add_run(run if created_at is None else replace(run, created_at=created_at))
    for start in range(0, steps, 500):
        store.add_steps(
            run_id, [make_step(k) for k in range(start + 1, min(start + 500, steps) + 1)]
        )


def set_last_active(store: Store, run_id: str, moment: datetime | None) -> None:
    with store._engine.begin() as connection:
        connection.execute(
            update(runs_table).where(runs_table.c.id == run_id).values(last_active_at=moment)
        )


def last_active(store: Store, run_id: str) -> datetime | None:
    with store._engine.connect() as connection:
        moment = connection.execute(
            select(runs_table.c.last_active_at).where(runs_table.c.id == run_id)
        ).scalar_one()
    return None if moment is None else moment.replace(tzinfo=UTC)


def stored_steps(store: Store, run_id: str) -> int:
    """Counted in the table itself: no step may outlive its run."""
    with store._engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(steps_table).where(steps_table.c.run_id == run_id)
        ).scalar_one()


def run_ids(store: Store) -> set[str]:
    with store._engine.connect() as connection:
        return set(connection.execute(select(runs_table.c.id)).scalars())


def test_usage_counts_runs_and_steps_and_grows_with_steps(store):
    empty = store.usage()
    assert (empty.runs, empty.steps) == (0, 0)
    add_run_with_steps(store, "run-1", 0)
    one_run = store.usage()
    add_run_with_steps(store, "run-2", 2000)
    more = store.usage()
    store.add_steps("run-2", [make_step(k) for k in range(2001, 4001)])
    most = store.usage()

    assert (one_run.runs, one_run.steps) == (1, 0)
    assert (more.runs, more.steps) == (2, 2000)
    assert (most.runs, most.steps) == (2, 4000)
    # Each step keeps a row of numbers and its state: well over 100 bytes, under 1,000.
    assert 100 * 2000 < more.bytes_used - one_run.bytes_used < 1000 * 2000
    assert 100 * 2000 < most.bytes_used - more.bytes_used < 1000 * 2000

    store.reset_run("run-2")
    assert store.usage().steps == 0
    assert store.usage().bytes_used < more.bytes_used  # Deleted rows count no more.


def test_creating_stepping_and_resetting_mark_a_run_active_once_a_minute(store, monkeypatch):
    before = datetime.now(UTC) - timedelta(seconds=1)
    store.add_run(make_run())  # Its own created_at is in January: activity is the store's now.
    created = last_active(store, "run-1")
    assert created is not None and created >= before

    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    set_last_active(store, "run-1", long_ago)
    store.add_steps("run-1", [make_step(1)])
    assert last_active(store, "run-1") == long_ago  # Written when the run was created: not yet.

    monkeypatch.setattr(app.storage.housekeeping, "ACTIVITY_WRITE_SECONDS", 0.0)
    store.add_steps("run-1", [make_step(2)])
    stepped = last_active(store, "run-1")
    assert stepped is not None and stepped >= before

    monkeypatch.setattr(app.storage.housekeeping, "ACTIVITY_WRITE_SECONDS", 60.0)
    set_last_active(store, "run-1", long_ago)
    store.add_steps("run-1", [make_step(3)])
    assert last_active(store, "run-1") == long_ago  # Written less than a minute ago.
    store.reset_run("run-1")  # A reset always writes it.
    reset = last_active(store, "run-1")
    assert reset is not None and reset >= before


def test_retention_deletes_only_the_runs_untouched_for_its_days(store):
    now = datetime.now(UTC)
    add_run_with_steps(store, "stale", 700)
    set_last_active(store, "stale", now - 31 * DAY)
    # Stored before last_active_at was kept: it counts from its creation.
    add_run_with_steps(store, "legacy", 20, created_at=now - 45 * DAY)
    set_last_active(store, "legacy", None)
    add_run_with_steps(store, "created-long-ago", 5, created_at=now - 45 * DAY)
    set_last_active(store, "created-long-ago", now - 29 * DAY)  # But stepped since.
    add_run_with_steps(store, "fresh", 3)

    report = keeper_of(store, retention_days=30).sweep(now)

    assert report is not None
    assert report.expired == DeletedRuns(runs=2, steps=720)
    assert report.evicted == DeletedRuns()
    assert run_ids(store) == {"created-long-ago", "fresh"}
    assert stored_steps(store, "stale") == stored_steps(store, "legacy") == 0
    assert store.steps("created-long-ago") and store.steps("fresh")
    assert (report.usage.runs, report.usage.steps) == (2, 8)
    assert not report.budget_full and not store.growth_refused


def test_retention_of_zero_days_keeps_every_run(store):
    add_run_with_steps(store, "ancient", 3)
    set_last_active(store, "ancient", datetime.now(UTC) - 4000 * DAY)
    report = keeper_of(store, retention_days=0).sweep()
    assert report is not None and report.deleted == DeletedRuns()
    assert run_ids(store) == {"ancient"}


def test_the_budget_deletes_the_least_recently_active_runs_first_and_stops_under_it(store):
    now = datetime.now(UTC)
    ages = {f"run-{k}": timedelta(hours=k + 1) for k in range(6)}  # run-5 the least recent.
    for run_id, age in ages.items():
        add_run_with_steps(store, run_id, 400)
        set_last_active(store, run_id, now - age)
    full = store.usage()
    per_run = full.bytes_used / 6  # About: each run alike, with a share of the tables' pages.
    budget = round(full.bytes_used - 2.5 * per_run)

    report = keeper_of(store, budget_bytes=budget).sweep(now)

    assert report is not None
    # Two runs' room would not do, three do: the three least recently active went.
    assert run_ids(store) == {"run-0", "run-1", "run-2"}
    assert report.evicted == DeletedRuns(runs=3, steps=1200)
    assert report.expired == DeletedRuns()
    assert report.usage.bytes_used <= budget < report.usage.bytes_used + per_run
    assert report.usage == store.usage()
    assert not report.budget_full and not store.growth_refused
    for run_id in ("run-3", "run-4", "run-5"):
        assert stored_steps(store, run_id) == 0


def test_recent_runs_are_kept_and_growth_refused_until_one_may_go(store):
    now = datetime.now(UTC)
    add_run_with_steps(store, "idle", 100)
    set_last_active(store, "idle", now - timedelta(minutes=11))
    add_run_with_steps(store, "busy", 300)
    set_last_active(store, "busy", now - timedelta(minutes=9))
    keeper = keeper_of(store, budget_bytes=1)  # Nothing fits.

    report = keeper.sweep(now)

    assert report is not None
    assert report.evicted == DeletedRuns(runs=1, steps=100)  # The idle one only.
    assert run_ids(store) == {"busy"} and len(store.steps("busy")) == 300
    assert report.budget_full and store.growth_refused
    for grow in (
        lambda: store.add_run(make_run("new")),
        lambda: store.add_run(make_run("fork"), steps_of=("busy", 10)),
        lambda: store.add_steps("busy", [make_step(301)]),
    ):
        with pytest.raises(StorageBudgetFullError) as refused:
            grow()
        assert "storage budget is full" in str(refused.value)
        assert "STEPWISE_STORAGE_BUDGET_MB" in str(refused.value)
        assert refused.value.retry_after == BUDGET_RETRY_AFTER_SECONDS
    assert run_ids(store) == {"busy"} and len(store.steps("busy")) == 300  # Nothing stored.
    assert store.reset_run("busy") == 1  # A reset shrinks the store: allowed.

    # Ten minutes after its reset, the busy run may go too.
    report = keeper.sweep(now + timedelta(minutes=11))
    assert report is not None and report.evicted == DeletedRuns(runs=1, steps=0)
    assert run_ids(store) == set()
    assert report.budget_full == (report.usage.bytes_used > 1)  # SQLite's empty tables take pages.
    keeper.budget_bytes = BIG_BUDGET  # The teacher raises the budget.
    report = keeper.sweep(now + timedelta(minutes=11))
    assert report is not None and not report.budget_full and not store.growth_refused
    store.add_run(make_run("new"))
    store.add_steps("new", [make_step(1)])


def test_writes_for_a_run_deleted_meanwhile_are_refused_as_gone(store):
    add_run_with_steps(store, "run-1", 5)
    assert store.delete_runs(["run-1"], datetime.now(UTC) + DAY) == DeletedRuns(1, 5)

    # A live session that read the run's head before it was deleted stores its next steps ...
    with pytest.raises(RunGoneError, match="run-1"):
        store.add_steps("run-1", [make_step(6)], generation=0)
    with pytest.raises(RunGoneError):
        store.add_steps("run-1", [make_step(6)])
    # ... or resets it, or forks it.
    with pytest.raises(RunGoneError):
        store.reset_run("run-1")
    with pytest.raises(RunGoneError):
        store.add_run(make_run("fork"), steps_of=("run-1", 5))
    assert run_ids(store) == set()
    assert stored_steps(store, "run-1") == stored_steps(store, "fork") == 0


def test_a_run_stepped_after_it_was_picked_is_not_deleted(store):
    now = datetime.now(UTC)
    add_run_with_steps(store, "run-1", 5)
    set_last_active(store, "run-1", now - 40 * DAY)
    picked = [run.id for run in store.idle_runs(now - 30 * DAY, limit=10)]
    assert picked == ["run-1"]
    store.reset_run("run-1")  # Active again, before the delete.
    assert store.delete_runs(picked, now - 30 * DAY) == DeletedRuns()
    assert run_ids(store) == {"run-1"}


def test_deleting_runs_deletes_their_steps_without_foreign_key_cascades(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'stepwise.db'}")
    try:
        add_run_with_steps(store, "run-1", 50)
        # Connections from here on enforce no foreign key, so nothing cascades.
        event.listen(store._engine, "connect", lambda c, _r: c.execute("PRAGMA foreign_keys=OFF"))
        store._engine.dispose()
        with store._engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        assert store.delete_runs(["run-1"], datetime.now(UTC) + DAY) == DeletedRuns(1, 50)
        assert stored_steps(store, "run-1") == 0
    finally:
        store.close()


def test_a_step_stored_while_its_run_is_deleted_leaves_no_orphan(store, database_url):
    """Another process is storing a step (its transaction open) when the sweep deletes the
    run: either the run is in use and kept with every step, or it goes with every step."""
    from tests.storage.test_store import waits_for_other_transaction

    add_run_with_steps(store, "run-1", 3)
    set_last_active(store, "run-1", datetime.now(UTC) - 40 * DAY)
    row = {"run_id": "run-1", "step": 4, "diverged": False, "state": {}}
    deleted: list[DeletedRuns] = []
    cutoff = datetime.now(UTC) - 30 * DAY

    if store._engine.dialect.name == "postgresql":
        # The run's row is locked by the step's foreign key: in use, skipped at once.
        other = store._engine.connect()
        transaction = other.begin()
        other.execute(insert(steps_table), [row])
        started = time.monotonic()
        deleted.append(store.delete_runs(["run-1"], cutoff))
        assert time.monotonic() - started < 5
        transaction.commit()
        other.close()
        assert deleted == [DeletedRuns()]
        assert stored_steps(store, "run-1") == 4
    else:
        # SQLite's one writer: the delete waits, then takes the run and every step.
        raised = waits_for_other_transaction(
            database_url,
            lambda connection: connection.execute(insert(steps_table), [row]),
            lambda: deleted.append(store.delete_runs(["run-1"], cutoff)),
        )
        assert raised == [] and deleted == [DeletedRuns(1, 4)]
        assert stored_steps(store, "run-1") == 0


def test_sweeps_are_due_by_the_clock_or_by_what_was_written(store, monkeypatch):
    add_run_with_steps(store, "run-1", 10)
    keeper = keeper_of(store)
    assert keeper.sweep_due()  # Never swept.
    keeper.sweep()
    assert not keeper.sweep_due()
    # Whole seconds, so that sums and differences are exact: from time.monotonic()'s value,
    # 299 + 1 seconds later could come out a hair under the 300 s interval.
    clock = [1_000_000.0]
    monkeypatch.setattr("app.storage.retention.time.monotonic", lambda: clock[0])
    keeper.sweep()
    clock[0] += 299
    assert not keeper.sweep_due()
    clock[0] += 1
    assert keeper.sweep_due()

    # Room for about 1,000 more steps at the last sweep: after writing half, one is due early.
    keeper.budget_bytes = store.usage().bytes_used * 1011 // 11  # 11 rows in, 1,000 to go.
    keeper.sweep()
    clock[0] += 15
    assert not keeper.sweep_due()
    store.add_steps("run-1", [make_step(k) for k in range(11, 511)])
    assert keeper.sweep_due()


def test_a_stopped_keeper_sweeps_no_more(store):
    keeper = keeper_of(store)
    keeper.stop()
    assert keeper.sweep() is None and keeper.last_sweep is None


def test_concurrent_sweeps_take_turns(store):
    add_run_with_steps(store, "run-1", 5)
    set_last_active(store, "run-1", datetime.now(UTC) - 40 * DAY)
    keeper = keeper_of(store)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(keeper.sweep())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.expired.runs for report in reports) == 1
