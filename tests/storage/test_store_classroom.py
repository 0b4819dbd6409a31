"""What the store keeps for owners and teachers: token hashes and the class list in one query.
(How an older database gets the owner's column: tests/storage/test_migration.py.)"""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.domain.spec import TrainingSpec
from app.storage.store import Store
from tests.storage.test_store import make_run, make_step


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'stepwise.db'}")
    yield store
    store.close()


def count_queries(store: Store) -> list[str]:
    statements: list[str] = []
    event.listen(store._engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_the_owner_hash_is_kept_and_read_alone(store):
    store.add_run(replace(make_run("owned"), owner_token_hash="ab" * 32))
    store.add_run(make_run("legacy"))
    assert store.get_run("owned").owner_token_hash == "ab" * 32
    assert store.run_owner("owned").token_hash == "ab" * 32
    assert store.run_owner("legacy").token_hash is None
    assert store.run_owner("missing") is None


def test_summaries_newest_first_with_the_last_step_in_one_query(store):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index, run_id in enumerate(["oldest", "middle", "newest"]):
        run = make_run(run_id)
        config = replace(
            run.config,
            training=TrainingSpec(learning_rate=0.01 * (index + 1), seed=index),
            locks=("seed",),
        )
        store.add_run(replace(run, created_at=start + timedelta(minutes=index), config=config))
    store.add_steps("oldest", [make_step(1, 2.0), make_step(2, 1.25)])
    store.add_steps("middle", [make_step(1, 3.0), make_step(2, math.inf)])  # Overflowed.
    statements = count_queries(store)

    summaries = store.run_summaries(limit=10)

    assert len(statements) == 1
    assert [s.id for s in summaries] == ["newest", "middle", "oldest"]
    newest, middle, oldest = summaries
    assert (newest.steps, newest.latest_loss, newest.diverged) == (0, None, False)
    assert (middle.steps, middle.latest_loss, middle.diverged) == (2, None, True)
    assert (oldest.steps, oldest.latest_loss, oldest.diverged) == (2, 1.25, False)
    assert oldest.config.locks == ("seed",)
    assert oldest.created_at == start


def test_summaries_page_with_limit_and_offset(store):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(5):
        store.add_run(replace(make_run(f"run-{index}"), created_at=start + timedelta(hours=index)))
    assert [s.id for s in store.run_summaries(limit=2)] == ["run-4", "run-3"]
    assert [s.id for s in store.run_summaries(limit=2, offset=2)] == ["run-2", "run-1"]
    assert [s.id for s in store.run_summaries(limit=2, offset=4)] == ["run-0"]
