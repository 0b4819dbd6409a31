"""Two run services on one database, as two app processes behind a load balancer are.

Each service has its own store connection and its own TensorFlow sessions; only the database
is shared. Every history must stay 1..N exactly once, equal to an uninterrupted run's.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple

import anyio
import pytest

from app.runs import streaming
from app.runs.errors import (
    InvalidRunRequestError,
    RunBusyError,
    RunChangedError,
    RunContendedError,
    RunDivergedError,
    RunResetError,
    ServerBusyError,
)
from app.runs.run_locks import RunLocks
from app.runs.service import STORE_ATTEMPTS, RunService
from app.runs.streaming import STREAM_LOCK_WAIT_SECONDS
from app.schemas.requests import RunCreate
from app.settings import Settings
from app.storage.store import Store
from app.storage.stored import StepConflictError

# Adam: its slots (m, v and the β powers) must be right after every catch-up, not only w.
ADAM = {"optimizer": {"name": "adam"}, "learning_rate": 0.05, "seed": 3}
RESET_CYCLES = 20  # Resets the other process makes while this one forks.
MAX_FORK_TRIES = 5000
WAIT_SECONDS = 30  # For a thread to get somewhere: only a broken test waits this long.


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


def without_run_locks(monkeypatch, process: Process) -> None:
    """Make `process` step runs without their lock across processes, as a replica of a
    version before the lock would, so that it races the other for the store."""
    monkeypatch.setattr(process.service._sessions, "_run_locks", RunLocks("sqlite://"))


def needs_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a run's lock across processes is PostgreSQL's (SQLite is one process's)")


def streamed(process: Process, run_id: str, n: int) -> list[int]:
    """The steps of an unpaced stream of `n`, run to its end."""

    generation = process.service.check_can_step(run_id, n)

    async def collect() -> list[int]:
        return [
            outcome.record.step
            async for outcomes in process.service.stream(run_id, n, generation, 0)
            for outcome in outcomes
        ]

    # On a thread of its own: a test before may leave an event loop running in this one
    # (Playwright's sync API does, for the whole session).
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(anyio.run, collect).result()


def test_a_session_behind_the_store_continues_from_the_stores_last_step(
    processes, caplog, database_url
):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    assert steps_of(a.service.step(run_id, 3)) == [1, 2, 3]
    assert steps_of(b.service.step(run_id, 4)) == [4, 5, 6, 7]
    # A's session still holds step 3: what it reads and where it continues are B's step 7.
    assert a.service.evaluate(run_id).step == 7
    assert steps_of(a.service.step(run_id, 2)) == [8, 9]
    assert steps_of(b.service.step(run_id, 1)) == [10]
    assert history(a, run_id) == uninterrupted(a, 10)
    vain = "another process stored" in caplog.text
    if database_url.startswith("postgresql"):
        # Caught up under the run's lock before computing: no step computed in vain.
        assert not vain
    else:
        # SQLite is one process's file: B's step trusted where B's session stood (step 7),
        # the store refused it, and B caught up and computed step 10 again.
        assert vain


def test_a_step_on_the_event_loop_behind_the_store_leaves_it_to_a_worker_thread(
    processes, database_url
):
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    a.service.step(run_id, 3)
    b.service.step(run_id, 4)
    if database_url.startswith("postgresql"):
        assert a.service.step_now(run_id, 1) is None  # Never on the loop: its lock is a query.
    else:
        # A trusted its session at step 3; the store refused step 4, and the session, ahead
        # of it, was dropped rather than caught up on the loop.
        assert a.service.step_now(run_id, 1) is None
        assert a.service.step_now(run_id, 1) is None  # Not live: loading it is a thread's.
    assert steps_of(a.service.step(run_id, 2)) == [8, 9]
    assert history(a, run_id) == uninterrupted(a, 9)


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
    without_run_locks(monkeypatch, b)  # Else B would wait for A's computation to end.
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
    without_run_locks(monkeypatch, b)
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


def test_a_step_waits_while_another_process_computes_the_run(
    processes, database_url, monkeypatch, caplog
):
    """B's step waits for A's computation to be stored, then continues from it: nothing is
    computed twice (no race for the store)."""
    needs_postgresql(database_url)
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    a.service.step(run_id, 2)
    b.service.step(run_id, 1)  # Both sessions live.
    computing, go_on = threading.Event(), threading.Event()
    store_steps = a.store.add_steps

    def slow_store(*args, **kwargs):
        computing.set()
        go_on.wait(WAIT_SECONDS)
        return store_steps(*args, **kwargs)

    monkeypatch.setattr(a.store, "add_steps", slow_store)
    batches = {}
    in_a = threading.Thread(target=lambda: batches.update(a=a.service.step(run_id, 3)))
    in_b = threading.Thread(target=lambda: batches.update(b=b.service.step(run_id, 2)))
    in_a.start()
    assert computing.wait(WAIT_SECONDS)
    in_b.start()
    in_b.join(0.3)
    assert in_b.is_alive()  # Waiting for A's turn to end.
    go_on.set()
    in_a.join(WAIT_SECONDS)
    in_b.join(WAIT_SECONDS)
    assert steps_of(batches["a"]) == [4, 5, 6]
    assert steps_of(batches["b"]) == [7, 8]
    assert history(a, run_id) == uninterrupted(a, 8)
    assert "another process stored" not in caplog.text


def test_a_step_that_does_not_get_its_turn_in_time_is_refused_busy(processes, database_url):
    needs_postgresql(database_url)
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    # A computes the run for longer than B waits.
    with a.service._sessions._run_locks.exclusive(run_id):
        started = time.monotonic()
        with pytest.raises(RunBusyError) as refused:
            b.service.step(run_id, 1, lock_wait_seconds=0.2)
        assert 0.2 <= time.monotonic() - started < 2
        assert a.service.get(run_id).current.step == 0  # Reads need no turn.
    assert isinstance(refused.value, ServerBusyError)  # 503, and a stream waits through it.
    assert refused.value.retry_after == 1
    assert history(a, run_id) == []
    assert steps_of(b.service.step(run_id, 1)) == [1]
    assert history(a, run_id) == uninterrupted(a, 1)


def test_a_stream_waits_while_another_process_computes_the_run(processes, database_url):
    """Longer than one try of the stream waits (STREAM_LOCK_WAIT_SECONDS): it tries again."""
    needs_postgresql(database_url)
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    holding = threading.Event()
    hold_seconds = STREAM_LOCK_WAIT_SECONDS + 0.5

    def hold() -> None:
        with a.service._sessions._run_locks.exclusive(run_id):
            holding.set()
            time.sleep(hold_seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(WAIT_SECONDS)
    started = time.monotonic()
    assert streamed(b, run_id, 5) == [1, 2, 3, 4, 5]
    assert time.monotonic() - started >= hold_seconds - 0.1
    holder.join()
    assert history(a, run_id) == uninterrupted(a, 5)


def test_a_stream_that_never_gets_its_turn_ends_busy(processes, database_url, monkeypatch):
    needs_postgresql(database_url)
    monkeypatch.setattr(streaming, "STREAM_SLOT_WAIT_SECONDS", 0.5)
    monkeypatch.setattr(streaming, "STREAM_LOCK_WAIT_SECONDS", 0.1)
    a, b = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    with a.service._sessions._run_locks.exclusive(run_id), pytest.raises(RunBusyError):
        streamed(b, run_id, 5)
    assert history(a, run_id) == []


def test_a_stream_that_loses_races_for_the_store_waits_and_goes_on(processes, monkeypatch):
    """Without the lock (SQLite; a replica without it): a try that keeps losing (503
    RunContendedError for a request) is tried again by a stream, which ends `busy` (a
    ServerBusyError) only if it never gets through."""
    a, _ = processes
    run_id = a.service.create(RunCreate.model_validate(ADAM)).run.id
    step = a.service.step
    losses = [2]  # Tries that lose every race before the stream's steps go through.

    def losing(*args, **kwargs):
        if losses[0] > 0:
            losses[0] -= 1
            raise RunContendedError(STORE_ATTEMPTS)
        return step(*args, **kwargs)

    monkeypatch.setattr(a.service, "step", losing)
    assert streamed(a, run_id, 5) == [1, 2, 3, 4, 5]
    assert losses == [0]
    monkeypatch.setattr(streaming, "STREAM_SLOT_WAIT_SECONDS", 0.3)
    losses[0] = 10**6
    with pytest.raises(RunBusyError):
        streamed(a, run_id, 5)
    monkeypatch.undo()
    assert history(a, run_id) == uninterrupted(a, 5)


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


def test_over_http_a_step_that_does_not_get_its_turn_is_answered_503_with_retry_after(
    client, monkeypatch
):
    run_id = client.post("/api/runs").json()["id"]
    locks = client.app.state.service._sessions._run_locks

    def taken(_run_id, wait_seconds):
        raise RunBusyError(wait_seconds)

    monkeypatch.setattr(locks, "exclusive", taken)
    answer = client.post(f"/api/runs/{run_id}/step", json={"n": 1})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert "another server process is computing this run" in answer.json()["detail"]
    assert client.get(f"/api/runs/{run_id}").status_code == 200  # Reads take no turn.
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
