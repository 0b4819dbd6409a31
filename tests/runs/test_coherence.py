"""Two run services on one database, as two app processes behind a load balancer are.

Each service has its own store connection and its own TensorFlow sessions; only the database
is shared. Every history must stay 1..N exactly once, equal to an uninterrupted run's.
"""

import threading
from dataclasses import astuple

import pytest

from app.config import Settings
from app.runs.errors import (
    InvalidRunRequestError,
    RunChangedError,
    RunContendedError,
    RunDivergedError,
    RunResetError,
)
from app.runs.service import STORE_ATTEMPTS, RunService
from app.schemas import RunCreate
from app.store import StepConflictError, Store

# Adam: its slots (m, v and the β powers) must be right after every catch-up, not only w.
ADAM = {"optimizer": {"name": "adam"}, "learning_rate": 0.05, "seed": 3}
RESET_CYCLES = 20  # Resets the other process makes while this one forks.
MAX_FORK_TRIES = 5000


class Process:
    """A RunService with a store of its own on the shared database."""

    def __init__(self, url: str, tmp_path) -> None:
        self.store = Store(url)
        settings = Settings(data_dir=tmp_path, database_url=url, run_rate_limit="1000/second")
        self.service = RunService(self.store, settings)

    def close(self) -> None:
        self.service.close()
        self.store.close()


@pytest.fixture
def processes(database_url, tmp_path):
    pair = [Process(database_url, tmp_path), Process(database_url, tmp_path)]
    yield pair
    for process in pair:
        process.close()


def history(process: Process, run_id: str) -> list[tuple]:
    return [astuple(record) for record in process.store.steps(run_id)]


def uninterrupted(process: Process, steps: int) -> list[tuple]:
    """The history of a new run of the same settings, stepped by one process alone."""
    run_id = process.service.create(RunCreate.model_validate(ADAM)).run.id
    process.service.step(run_id, steps)
    return history(process, run_id)


def steps_of(batch) -> list[int]:
    return [outcome.record.step for outcome in batch.outcomes]


def test_a_session_behind_the_store_catches_up_before_use(processes, caplog):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    assert steps_of(a.service.step(run_id, 3)) == [1, 2, 3]
    assert steps_of(b.service.step(run_id, 4)) == [4, 5, 6, 7]
    # A's session still holds step 3: what it reads and where it continues are B's step 7.
    assert a.service.evaluate(run_id).step == 7
    assert steps_of(a.service.step(run_id, 2)) == [8, 9]
    assert steps_of(b.service.step(run_id, 1)) == [10]
    assert history(a, run_id) == uninterrupted(a, 10)
    # Caught up before computing, so no step was computed in vain and refused by the store.
    assert "another process stored" not in caplog.text


def test_a_reset_in_another_process_is_seen(processes):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    a.service.step(run_id, 5)
    b.service.reset(run_id)
    # Same step count as before the reset, different history: the generation tells them apart.
    b.service.step(run_id, 5)
    with pytest.raises(RunResetError):  # A stream A started before the reset stops.
        a.service.step(run_id, 1, generation=0)
    assert steps_of(a.service.step(run_id, 2)) == [6, 7]
    assert history(a, run_id) == uninterrupted(a, 7)
    assert a.service.get(run_id).current.step == 7


def test_the_loser_of_a_race_catches_up_and_computes_again(processes, monkeypatch):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    a.service.step(run_id, 2)
    store_steps = a.store.add_steps
    raced = []

    def b_stores_first(*args, **kwargs):
        if not raced:  # B stores steps 3 and 4 while A computes its own steps 3..5.
            raced.append(b.service.step(run_id, 2))
        return store_steps(*args, **kwargs)

    monkeypatch.setattr(a.store, "add_steps", b_stores_first)
    batch = a.service.step(run_id, 3)
    assert steps_of(raced[0]) == [3, 4]
    assert steps_of(batch) == [5, 6, 7]  # Computed again from B's step 4.
    assert history(a, run_id) == uninterrupted(b, 7)
    assert [astuple(o.record) for o in batch.outcomes] == history(a, run_id)[4:]


def test_a_request_that_keeps_losing_answers_contended_and_stores_nothing(processes, monkeypatch):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    store_steps = a.store.add_steps

    def b_always_first(*args, **kwargs):
        b.service.step(run_id, 1)
        return store_steps(*args, **kwargs)

    monkeypatch.setattr(a.store, "add_steps", b_always_first)
    with pytest.raises(RunContendedError) as refused:
        a.service.step(run_id, 1)
    assert refused.value.retry_after == 1
    assert len(history(a, run_id)) == STORE_ATTEMPTS  # B's steps only.
    monkeypatch.undo()
    # A's session holds B's last step: the next request simply continues.
    assert steps_of(a.service.step(run_id, 1)) == [STORE_ATTEMPTS + 1]
    assert history(a, run_id) == uninterrupted(a, STORE_ATTEMPTS + 1)


def test_a_run_that_diverged_in_another_process_is_refused(processes):
    a, b = processes
    spec = RunCreate.model_validate({"learning_rate": 1.0, "seed": 0})
    run_id = a.service.create(spec).run.id
    a.service.step(run_id, 1)
    last = b.service.step(run_id, 400).outcomes[-1].record
    assert last.diverged
    with pytest.raises(RunDivergedError, match=f"step {last.step}"):
        a.service.step(run_id, 1)
    assert a.service.get(run_id).current is None


def test_over_http_a_request_that_keeps_losing_is_answered_503_with_retry_after(
    client, monkeypatch
):
    run_id = client.post("/api/runs").json()["id"]
    service = client.app.state.service

    def always_first(*_args, **_kwargs):
        raise StepConflictError("another process stored first")

    monkeypatch.setattr(service._store, "add_steps", always_first)
    answer = client.post(f"/api/runs/{run_id}/step", json={"n": 1})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert "other server processes stepped this run" in answer.json()["detail"]
    monkeypatch.undo()
    assert client.post(f"/api/runs/{run_id}/step", json={"n": 1}).json()["records"][0]["step"] == 1


def test_fork_and_reset_in_two_processes_never_give_a_half_copied_fork(processes):
    """One process forks at step 5 again and again while the other resets and steps the run:
    each fork holds steps 1..5 of one generation whole and continues from step 5's state, or
    is refused with nothing stored."""
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    b.service.step(run_id, 8)
    outcomes: list[str] = []
    cycles: list[int] = []
    stop = threading.Event()

    def reset_and_step() -> None:
        while not stop.is_set():
            b.service.reset(run_id)
            b.service.step(run_id, 8)
            cycles.append(1)
            stop.wait(0.02)  # A moment with the steps in place, so that some forks succeed.

    other = threading.Thread(target=reset_and_step)
    other.start()
    try:
        tries = 0
        while len(cycles) < RESET_CYCLES and tries < MAX_FORK_TRIES:
            tries += 1
            try:
                fork = a.service.fork(run_id, 5)
            except (RunChangedError, InvalidRunRequestError):
                outcomes.append("refused")
                continue
            outcomes.append("forked")
            copied = history(a, fork.run.id)
            assert [record[0] for record in copied] == [1, 2, 3, 4, 5]
            assert copied == uninterrupted(a, 5)
    finally:
        stop.set()
        other.join()
    assert len(cycles) >= RESET_CYCLES
    assert "forked" in outcomes
