"""The store, on SQLite and on PostgreSQL (see tests/databases.py): the same tests on both."""

import math
import sqlite3
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert

from app.domain.records import StepRecord, Weights
from app.domain.run_config import DataOrigin, RunConfig
from app.domain.spec import TrainingSpec
from app.storage.store import Store
from app.storage.stored import (
    ForkSourceChangedError,
    RunHead,
    StepConflictError,
    StoredRun,
    StoredStep,
)
from app.storage.tables import steps_table
from app.storage.transactions import reset_in_transaction


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    yield store
    store.close()


def make_run(run_id: str = "run-1") -> StoredRun:
    return StoredRun(
        id=run_id,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        config=RunConfig(
            training=TrainingSpec(),
            data=DataOrigin(num_points=2, noise=None, x_range=None, custom_points=True),
        ),
        points_x=[1.0, 2.0],
        points_y=[3.0, 4.0],
        initial_state={"weights": [[0.1], [0.2]], "global_step": 0},
        answer=Weights(b=2.0, m=1.0),
    )


def make_step(step: int, loss_after: float = 1.5) -> StoredStep:
    record = StepRecord(
        step=step,
        weights_before=Weights(0.1, 0.2),
        gradient=Weights(-1.0, -2.0),
        weights_after=Weights(0.3, 0.4),
        loss_before=2.5,
        loss_after=loss_after,
    )
    state = None if record.diverged else {"weights": [[0.3], [0.4]], "global_step": step}
    return StoredStep(record, state)


def test_creates_the_database_directory_and_uses_wal(tmp_path):
    path = tmp_path / "nested" / "stepwise.db"
    store = Store(f"sqlite:///{path}")
    try:
        assert path.exists()
        store.add_run(make_run())
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        store.close()


def test_run_round_trip(store):
    run = make_run()
    store.add_run(run)
    assert store.get_run("run-1") == run
    assert store.get_run("missing") is None


def test_steps_round_trip_in_order(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(2), make_step(1)])
    assert [r.step for r in store.steps("run-1")] == [1, 2]
    assert store.steps("run-1")[0] == make_step(1).record
    last = store.last_step("run-1")
    assert last is not None and (last.step, last.diverged) == (2, False)
    checkpoint = store.checkpoint("run-1")
    assert checkpoint is not None
    assert checkpoint.head == RunHead(generation=0, step=2, diverged=False)
    assert checkpoint.state == {"weights": [[0.3], [0.4]], "global_step": 2}
    assert store.generation("run-1") == 0
    assert store.generation("missing") is None


def test_non_finite_values_are_stored_as_null_and_read_as_nan(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1, loss_after=math.inf)])
    record = store.steps("run-1")[0]
    assert math.isnan(record.loss_after)
    assert record.diverged
    last = store.last_step("run-1")
    assert last is not None and last.diverged
    # Nothing continues from an overflow: the state to continue from is the initial one.
    checkpoint = store.checkpoint("run-1")
    assert checkpoint is not None
    assert checkpoint.head == RunHead(generation=0, step=1, diverged=True)
    assert checkpoint.state == make_run().initial_state


def test_a_step_is_stored_once(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1)])
    # Another process stored step 1 first: the (run, step) key refuses the whole batch.
    with pytest.raises(StepConflictError):
        store.add_steps("run-1", [make_step(2), make_step(1)])
    # The failed batch left nothing behind.
    assert [r.step for r in store.steps("run-1")] == [1]


def test_reset_deletes_the_steps_keeps_the_run_and_counts(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1)])
    store.reset_run("run-1")
    assert store.steps("run-1") == []
    assert store.last_step("run-1") is None
    run = store.get_run("run-1")
    assert run is not None and run.generation == 1


def test_reset_counts_generations_and_refuses_steps_of_an_older_one(store):
    store.add_run(make_run())
    assert store.reset_run("run-1") == 1
    assert store.reset_run("run-1") == 2
    with pytest.raises(StepConflictError):
        store.add_steps("run-1", [make_step(1)], generation=1)
    store.add_steps("run-1", [make_step(1)], generation=2)
    assert store.head("run-1") == RunHead(generation=2, step=1, diverged=False)


def test_head_and_checkpoint_of_a_run_without_steps(store):
    assert store.head("missing") is None
    assert store.checkpoint("missing") is None
    store.add_run(make_run())
    assert store.head("run-1") == RunHead(generation=0, step=0, diverged=False)
    checkpoint = store.checkpoint("run-1")
    assert checkpoint is not None and checkpoint.state == make_run().initial_state


def test_floats_round_trip_bit_for_bit(store):
    # Columns and JSON alike: PostgreSQL's float8 and json must give back the very same bits.
    awkward = [0.1 + 0.2, 1 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    run = make_run()
    store.add_run(run)
    states = []
    for step, value in enumerate(awkward, start=1):
        record = StepRecord(
            step=step,
            weights_before=Weights(value, -value),
            gradient=Weights(value / 7, value / 2),
            weights_after=Weights(value, value),
            loss_before=abs(value),
            loss_after=abs(value) / 3,
        )
        state = {"weights": [[value], [-value]], "global_step": step}
        states.append(state)
        store.add_steps("run-1", [StoredStep(record, state)])
        stored = store.steps("run-1")[-1]
        assert stored == record
    assert [store.state_at("run-1", k) for k in range(1, len(awkward) + 1)] == states


def test_a_fork_of_steps_a_reset_removed_is_refused_whole(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1), make_step(2), make_step(3)])
    store.reset_run("run-1")  # As if another process reset it after the fork looked.
    store.add_steps("run-1", [make_step(1)])
    with pytest.raises(ForkSourceChangedError):
        store.add_run(make_run("fork"), steps_of=("run-1", 2))
    assert store.get_run("fork") is None
    assert store.steps("fork") == []


def test_a_fork_of_a_run_reset_and_stepped_again_since_it_was_read_is_refused(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1), make_step(2)])
    generation = store.head("run-1").generation  # The fork reads the run here…
    store.reset_run("run-1")  # …then another process resets it and steps it as far again.
    store.add_steps("run-1", [make_step(1), make_step(2)])
    with pytest.raises(ForkSourceChangedError):
        store.add_run(make_run("fork"), steps_of=("run-1", 2), source_generation=generation)
    assert store.get_run("fork") is None


def test_fork_copies_the_steps_up_to_k_in_one_transaction(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1), make_step(2), make_step(3)])
    store.add_run(make_run("fork"), steps_of=("run-1", 2))
    assert [r.step for r in store.steps("fork")] == [1, 2]
    assert store.steps("fork") == store.steps("run-1")[:2]
    assert store.state_at("fork", 2) == store.state_at("run-1", 2)


def waits_for_other_transaction(database_url, statements, action) -> list[BaseException]:
    """Run `statements` in an open transaction of a connection of their own (another
    process), then `action` in a thread: it must wait for that transaction to commit. Return
    what `action` raised."""
    other_process = create_engine(database_url)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as error:
            raised.append(error)

    try:
        with other_process.connect() as connection:
            transaction = connection.begin()
            statements(connection)
            waiting = threading.Thread(target=run)
            waiting.start()
            time.sleep(0.5)
            assert waiting.is_alive(), "it went ahead while the other transaction was open"
            transaction.commit()
        waiting.join(timeout=30)
    finally:
        other_process.dispose()
    return raised


def test_steps_racing_a_reset_in_another_process_are_refused(store, database_url):
    """Process B resets while process A stores step 1 computed before the reset: A's insert
    waits for B, then is refused, so no step of the old generation survives the reset."""
    store.add_run(make_run())
    raised = waits_for_other_transaction(
        database_url,
        lambda connection: reset_in_transaction(connection, "run-1"),
        lambda: store.add_steps("run-1", [make_step(1)], generation=0),
    )
    assert len(raised) == 1 and isinstance(raised[0], StepConflictError)
    assert store.steps("run-1") == []
    assert store.head("run-1") == RunHead(generation=1, step=0, diverged=False)


def test_a_reset_removes_steps_another_process_is_storing(store, database_url):
    """Process A is storing step 1 when process B resets: B waits for A, then deletes it."""
    store.add_run(make_run())
    row = {"run_id": "run-1", "step": 1, "diverged": False, "state": {}}
    raised = waits_for_other_transaction(
        database_url,
        lambda connection: connection.execute(insert(steps_table), [row]),
        lambda: store.reset_run("run-1"),
    )
    assert raised == []
    assert store.steps("run-1") == []
    assert store.head("run-1") == RunHead(generation=1, step=0, diverged=False)
