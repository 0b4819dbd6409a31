import math
import sqlite3
from datetime import UTC, datetime

import pytest

from app.store import Store, StoredRun, StoredStep
from app.training.records import StepRecord, Weights


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'stepwise.db'}")
    yield store
    store.close()


def make_run(run_id: str = "run-1") -> StoredRun:
    return StoredRun(
        id=run_id,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        config={"learning_rate": 0.002, "seed": 0},
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


def test_creates_the_database_directory_and_uses_wal(tmp_path, store):
    path = tmp_path / "nested" / "stepwise.db"
    assert path.exists()
    store.add_run(make_run())
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


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
    assert store.last_state("run-1") == {"weights": [[0.3], [0.4]], "global_step": 2}
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
    assert store.last_state("run-1") is None


def test_a_step_is_stored_once(store):
    store.add_run(make_run())
    store.add_steps("run-1", [make_step(1)])
    with pytest.raises(Exception, match="UNIQUE"):
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
