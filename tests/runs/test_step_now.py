"""A step on the event loop (RunService.step_now): the same step as in a worker thread, done
only when nothing need be waited for, and otherwise left to the thread with nothing changed."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple

import pytest

from app.runs.errors import InvalidRunRequestError
from app.runs.service import IMMEDIATE_STEPS, RunService
from app.schemas.requests import RunCreate
from app.settings import Settings
from app.storage.store import Store

ADAM_MINI_BATCH = {"optimizer": {"name": "adam"}, "learning_rate": 0.05, "batch_size": 3}


@pytest.fixture
def service(settings: Settings) -> Iterator[RunService]:
    store = Store(settings.resolved_database_url())
    runs = RunService(store, settings)
    yield runs
    runs.close()
    store.close()


def create(service: RunService, spec: dict | None = None) -> str:
    return service.create(RunCreate.model_validate(spec or {})).run.id


def records(service: RunService, run_id: str) -> list[tuple]:
    return [astuple(record) for record in service._store.steps(run_id)]


@contextmanager
def held_elsewhere(service: RunService, run_id: str) -> Iterator[None]:
    """Another request holding the run (a stream, a step in a worker thread) meanwhile."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with service.checkout(run_id, exclusive=True):
            taken.set()
            release.wait()

    holder = threading.Thread(target=hold)
    holder.start()
    taken.wait()
    try:
        yield
    finally:
        release.set()
        holder.join()


@pytest.mark.parametrize("spec", [{}, ADAM_MINI_BATCH])
def test_steps_on_the_loop_store_what_steps_in_a_thread_store(service, spec):
    on_loop, in_thread = create(service, spec), create(service, spec)
    for run_id in (on_loop, in_thread):
        service.step(run_id, 1)  # A new run's session is taken on its first step, in a thread.
    for n in (1, 1, IMMEDIATE_STEPS, 2):
        now = service.step_now(on_loop, n)
        assert now is not None
        assert [astuple(o.record) for o in now.outcomes] == [
            astuple(o.record) for o in service.step(in_thread, n).outcomes
        ]
    assert records(service, on_loop) == records(service, in_thread)


def test_a_longer_run_goes_to_a_thread(service):
    run_id = create(service)
    service.step(run_id, 1)
    assert service.step_now(run_id, IMMEDIATE_STEPS + 1) is None
    assert service.last_step(run_id) == 1


def test_a_run_in_use_by_another_request_is_not_waited_for(service):
    run_id = create(service)
    service.step(run_id, 1)
    with held_elsewhere(service, run_id):
        assert service.step_now(run_id, 1) is None
    assert service.last_step(run_id) == 1
    assert service.step_now(run_id, 1) is not None  # The same session, untouched.


def test_no_free_computation_slot_is_not_waited_for(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", max_concurrent_computations=1, warm_sessions=0)
    store = Store(settings.resolved_database_url())
    service = RunService(store, settings)
    try:
        busy, run_id = create(service), create(service)
        service.step(run_id, 1)
        with held_elsewhere(service, busy):  # Holds the only slot.
            assert service.step_now(run_id, 1) is None
        assert service.step_now(run_id, 1) is not None
    finally:
        service.close()
        store.close()


def test_a_session_to_load_is_left_to_a_thread(service, settings):
    first = create(service)
    service.step(first, 2)
    for _ in range(settings.max_live_runs):  # Each new run's session evicts an older one.
        service.step(create(service), 1)
    assert service.step_now(first, 1) is None
    assert [o.record.step for o in service.step(first, 1).outcomes] == [3]


def test_a_bad_step_count_is_refused_before_anything(service):
    run_id = create(service)
    with pytest.raises(InvalidRunRequestError):
        service.step_now(run_id, 0)
    assert service.last_step(run_id) == 0
