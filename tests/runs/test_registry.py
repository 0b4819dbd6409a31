import threading
from contextlib import contextmanager

import pytest

from app.domain.data import sample_dataset
from app.domain.spec import TrainingSpec
from app.runs.registry import RunRegistry
from app.training.model import LinearRegressionModel
from app.training.shared_graph import build_shared_graph

SPEC = TrainingSpec(0.002, 0)


class Loader:
    """Loads each run as a new session of one shared graph, as the app does (GraphCache)."""

    def __init__(self):
        self.loaded: list[str] = []
        self.graph = build_shared_graph(sample_dataset(), SPEC)

    def __call__(self, run_id: str) -> LinearRegressionModel:
        self.loaded.append(run_id)
        return LinearRegressionModel(sample_dataset(), SPEC, self.graph)


@pytest.fixture
def loader():
    return Loader()


def test_loads_a_run_once_and_reuses_its_session(loader):
    registry = RunRegistry(capacity=2, load=loader, keeps_session_on=LookupError)
    with registry.checkout("a") as first:
        first.step()
    with registry.checkout("a") as again:
        assert again is first
        assert again.evaluate().step == 1
    assert loader.loaded == ["a"]
    registry.close_all()


def test_least_recently_used_session_is_evicted_and_rebuilt(loader):
    registry = RunRegistry(capacity=2, load=loader, keeps_session_on=LookupError)
    for run_id in ["a", "b", "a", "c"]:  # "b" is the least recently used when "c" arrives.
        with registry.checkout(run_id):
            pass
    assert registry.live_count() == 2
    with registry.checkout("b"):
        pass
    assert loader.loaded == ["a", "b", "c", "b"]
    registry.close_all()
    assert registry.live_count() == 0


@pytest.mark.parametrize(
    ("error", "loads"),
    [
        # The session may be ahead of the store: dropped, and rebuilt on the next use.
        (RuntimeError("store failed"), ["a", "a"]),
        # A refused request left the session as it was: kept.
        (LookupError("no such step"), ["a"]),
    ],
)
def test_an_error_while_checked_out(loader, error, loads):
    registry = RunRegistry(capacity=2, load=loader, keeps_session_on=LookupError)
    with pytest.raises(type(error)), registry.checkout("a"):
        raise error
    with registry.checkout("a"):
        pass
    assert loader.loaded == loads
    registry.close_all()


def test_steps_of_one_run_are_serialised(loader):
    registry = RunRegistry(capacity=2, load=loader, keeps_session_on=LookupError)
    steps: list[int] = []

    def step_five_times():
        for _ in range(5):
            with registry.checkout("a") as model:
                steps.append(model.step().record.step)

    threads = [threading.Thread(target=step_five_times) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(steps) == list(range(1, 21))
    registry.close_all()


def test_idle_sessions_are_closed_and_rebuilt_on_next_use(loader):
    registry = RunRegistry(capacity=4, load=loader, keeps_session_on=LookupError)
    for run_id in ["a", "b"]:
        with registry.checkout(run_id) as model:
            model.step()
    assert registry.close_idle(idle_seconds=3600) == 0  # Used just now: kept.
    assert registry.close_idle(idle_seconds=0) == 2
    assert registry.live_count() == 0
    with registry.checkout("a"):
        pass
    assert loader.loaded == ["a", "b", "a"]
    registry.close_all()


def test_a_session_in_use_is_not_closed_as_idle(loader):
    registry = RunRegistry(capacity=4, load=loader, keeps_session_on=LookupError)
    with registry.checkout("a") as model:
        assert registry.close_idle(idle_seconds=0) == 0
        assert model.step().record.step == 1  # Still open.
    registry.close_all()


def test_closing_idle_sessions_never_races_a_checkout(loader):
    registry = RunRegistry(capacity=4, load=loader, keeps_session_on=LookupError)
    done = threading.Event()

    def sweep():
        while not done.is_set():
            registry.close_idle(idle_seconds=0)

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    try:
        for _ in range(200):
            with registry.checkout("a") as model:
                model.evaluate()  # A closed session would raise here.
    finally:
        done.set()
        sweeper.join()
    registry.close_all()


class Refusal(LookupError):
    pass


def test_admission_is_asked_after_the_lock_and_may_refuse_without_a_change(loader):
    admitted = []
    refuse = False

    @contextmanager
    def admit(wait: bool):
        if refuse:
            raise Refusal()
        admitted.append(True)
        yield

    registry = RunRegistry(capacity=2, load=loader, keeps_session_on=LookupError, admit=admit)
    with registry.checkout("a") as model:
        model.step()
    refuse = True
    with pytest.raises(Refusal), registry.checkout("a"):
        pytest.fail("the body must not run when admission is refused")
    refuse = False
    with registry.checkout("a") as model:
        assert model.evaluate().step == 1  # The same session, untouched.
    assert loader.loaded == ["a"]
    assert len(admitted) == 2
    registry.close_all()
