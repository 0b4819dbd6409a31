"""The live view's curves (app/runs/class_live.py): a thinned grid of each run's losses, read
once and then extended with each refresh's new points, whatever the run's length."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.runs.class_live import MAX_CURVE_POINTS, LiveCurves, grid_count, grid_stride
from app.storage.store import Store
from app.storage.stored import RunAttribution
from tests.storage.test_store import make_run, make_step


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def store(database_url):
    store = Store(database_url)
    yield store
    store.close()


def add_run(store: Store, run_id: str) -> None:
    store.add_run(replace(make_run(run_id), attribution=RunAttribution("a")))


def add_steps(store: Store, run_id: str, first: int, last: int) -> None:
    store.add_steps(run_id, [make_step(k, float(k)) for k in range(first, last + 1)])


def test_the_grid_is_the_smallest_power_of_two_within_the_points():
    assert [grid_stride(n) for n in (0, 1, 200, 201, 400, 401, 100_000)] == [1, 1, 1, 2, 2, 4, 512]
    for last in (1, 199, 200, 201, 1_000, 99_999):
        assert grid_count(last, grid_stride(last)) <= MAX_CURVE_POINTS


def test_a_growing_run_keeps_the_coarser_grid_without_reading_again(store):
    add_run(store, "r")
    curves = LiveCurves(store)
    expected_losses = lambda last, stride: [float(k) for k in range(1, last + 1, stride)]  # noqa: E731
    for last in (150, 260, 399, 1_000, 1_701):
        add_steps(store, "r", store.last_step("r").step + 1 if store.last_step("r") else 1, last)
        (run,) = curves.snapshot("a").runs
        assert run.stride == grid_stride(last)
        assert list(run.losses) == expected_losses(last, run.stride)
        assert run.head.steps == last


def test_a_reset_run_is_read_again_whole(store):
    add_run(store, "r")
    curves = LiveCurves(store)
    add_steps(store, "r", 1, 10)
    curves.snapshot("a")
    store.reset_run("r")
    store.add_steps("r", [make_step(k, 100.0 + k) for k in range(1, 4)])
    (run,) = curves.snapshot("a").runs
    assert list(run.losses) == [101.0, 102.0, 103.0]


def test_when_a_run_changed_and_was_last_active(store):
    clock = Clock()
    add_run(store, "still")
    add_run(store, "moving")
    curves = LiveCurves(store, clock)
    first = {run.head.id: run for run in curves.snapshot("a").runs}
    assert {run.changed_at for run in first.values()} == {clock.now}  # New to this process.
    created = first["moving"].last_activity  # The store's, from creation: not seen moving.
    seen = clock.tick(5)
    add_steps(store, "moving", 1, 3)
    second = {run.head.id: run for run in curves.snapshot("a").runs}
    assert second["still"].changed_at == first["still"].changed_at
    assert second["moving"].changed_at == seen
    assert second["moving"].last_activity == max(seen, created)
    clock.tick(5)
    third = {run.head.id: run for run in curves.snapshot("a").runs}
    assert third["moving"].changed_at == seen  # Nothing new: no change, no read.
