import threading

import pytest

from app.runs.registry import RunRegistry
from app.training.data import sample_dataset
from app.training.model import LinearRegressionModel
from app.training.spec import TrainingSpec


class Loader:
    def __init__(self):
        self.loaded: list[str] = []

    def __call__(self, run_id: str) -> LinearRegressionModel:
        self.loaded.append(run_id)
        return LinearRegressionModel(sample_dataset(), TrainingSpec(0.002, 0))


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
