"""The store's assignments and what the teacher's live view reads of their runs, on SQLite and
PostgreSQL (see tests/databases.py)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.storage.store import Store
from app.storage.stored import CurveRequest, RunAttribution, StoredAssignment
from tests.storage.test_store import make_run, make_step


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    yield store
    store.close()


def make_assignment(assignment_id: str = "abc123", minutes: int = 0) -> StoredAssignment:
    return StoredAssignment(
        id=assignment_id,
        created_at=datetime(2026, 3, 1, 9, minutes, tzinfo=UTC),
        title="Too big a step — 步长",
        instructions="Line one\nline two",
        settings=(("lr", "0.01"), ("preset", "outlier")),
        locks=("learning_rate", "data"),
    )


def of_assignment(run_id: str, assignment_id: str, minutes: int, **attribution):
    run = make_run(run_id)
    return replace(
        run,
        created_at=run.created_at + timedelta(minutes=minutes),
        attribution=RunAttribution(assignment_id, **attribution),
    )


def test_assignments_round_trip_newest_first(store):
    store.add_assignment(make_assignment("first", 0))
    store.add_assignment(make_assignment("second", 5))
    assert store.get_assignment("first") == make_assignment("first", 0)
    assert store.get_assignment("missing") is None
    assert [a.id for a in store.assignments(10)] == ["second", "first"]
    assert [a.id for a in store.assignments(1)] == ["second"]
    assert store.count_assignments() == 2


def test_a_run_keeps_whose_it_is(store):
    run = of_assignment("r", "abc123", 0, display_name="Ana", by_teacher=True)
    store.add_run(run)
    assert store.get_run("r") == run
    store.add_run(make_run("plain"))
    assert store.get_run("plain").attribution == RunAttribution()


def test_an_assignments_runs_newest_first_with_their_last_steps(store):
    store.add_run(of_assignment("old", "a", 0, display_name="Ana"))
    store.add_run(of_assignment("new", "a", 1))
    store.add_run(of_assignment("elsewhere", "b", 2))
    store.add_run(make_run("no-assignment"))
    store.add_steps("old", [make_step(1, 2.0), make_step(2, 1.0)])
    heads = store.assignment_runs("a", 10)
    assert [head.id for head in heads] == ["new", "old"]
    new, old = heads
    assert (new.steps, new.latest_loss, new.diverged) == (0, None, False)
    assert (old.steps, old.latest_loss, old.diverged) == (2, 1.0, False)
    assert old.attribution == RunAttribution("a", "Ana", False)
    assert old.generation == 0 and old.last_active_at.tzinfo is not None
    assert [head.id for head in store.assignment_runs("a", 1)] == ["new"]


def test_curve_points_read_a_grid_of_new_steps_for_many_runs_at_once(store):
    for run_id in ("x", "y"):
        store.add_run(of_assignment(run_id, "a", 0))
        store.add_steps(run_id, [make_step(k, float(k)) for k in range(1, 11)])
    points = store.curve_points(
        [CurveRequest("x", 0, after=0, last=10, stride=4), CurveRequest("y", 0, 6, 9, 1)]
    )
    assert points == {
        "x": [(1, 1.0), (5, 5.0), (9, 9.0)],
        "y": [(7, 7.0), (8, 8.0), (9, 9.0)],
    }
    # A run reset since its head was read (another generation) gives nothing stale.
    store.reset_run("y")
    assert store.curve_points([CurveRequest("y", 0, 0, 9, 1)]) == {"y": []}


def test_a_display_name_is_set_and_taken_away(store):
    store.add_run(of_assignment("r", "a", 0))
    assert store.set_display_name("r", "Bo") is True
    assert store.get_run("r").attribution.display_name == "Bo"
    assert store.set_display_name("r", None) is True
    assert store.get_run("r").attribution.display_name is None
    assert store.set_display_name("missing", "Bo") is False
