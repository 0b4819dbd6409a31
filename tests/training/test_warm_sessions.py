"""Sessions started ahead of need: ready in their initial state, exact, bounded, replaced in the
background when taken."""

import threading
import time

from app.domain.data import sample_dataset
from app.domain.spec import TrainingSpec
from app.training.graph_cache import GraphCache
from app.training.model import LinearRegressionModel
from app.training.warm_sessions import WarmSessions


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.02)


def test_a_warmed_session_is_a_fresh_run_to_the_last_bit():
    data, spec = sample_dataset(), TrainingSpec(0.05, 3, "adam", batch_size=3)
    shared = GraphCache(1).get(data, spec)
    with (
        LinearRegressionModel(data, spec, shared) as warmed,
        LinearRegressionModel(data, spec, shared) as cold,
    ):
        warmed.warm_up()
        assert warmed.state() == cold.state() == shared.initial_state
        assert warmed.steps_done == 0
        assert [warmed.step() for _ in range(3)] == [cold.step() for _ in range(3)]
        assert warmed.run(10, every_prediction=True) == cold.run(10, every_prediction=True)


def test_a_taken_session_is_ready_and_replaced_in_the_background():
    data, spec = sample_dataset(), TrainingSpec()
    shared = GraphCache(1).get(data, spec)
    warm = WarmSessions(per_graph=2, graphs=4)
    try:
        warm.fill(data, spec, shared)
        assert warm.ready_count() == 2
        with warm.take(data, spec, shared) as model:
            assert model.state() == shared.initial_state
            wait_until(lambda: warm.ready_count() == 2)  # Made again for the next run.
            assert model.run(5)[-1].record.step == 5
    finally:
        warm.close()
    assert warm.ready_count() == 0


def test_only_the_graphs_wanted_last_keep_ready_sessions():
    data = sample_dataset()
    graphs = GraphCache(4)
    warm = WarmSessions(per_graph=1, graphs=1)
    try:
        first, second = TrainingSpec(0.001), TrainingSpec(0.002)
        warm.fill(data, first, graphs.get(data, first))
        warm.fill(data, second, graphs.get(data, second))
        assert warm.ready_count() == 1  # The first graph's session was closed.
    finally:
        warm.close()


def test_without_ready_sessions_a_run_gets_a_new_one():
    data, spec = sample_dataset(), TrainingSpec()
    shared = GraphCache(1).get(data, spec)
    warm = WarmSessions(per_graph=0, graphs=4)
    assert not warm.enabled
    warm.close()
    with warm.take(data, spec, shared) as model:  # After close too: nothing is made ahead.
        assert model.evaluate() == shared.initial_evaluation
    assert warm.ready_count() == 0


def test_settings_wanted_once_get_no_sessions_made_ahead():
    """A run of settings of its own would leave warmed sessions no one takes; a second run of
    the same settings (a class on one link) gets them."""
    data, spec = sample_dataset(), TrainingSpec(0.004, 9)
    shared = GraphCache(1).get(data, spec)
    warm = WarmSessions(per_graph=2, graphs=4)
    try:
        with warm.take(data, spec, shared):
            time.sleep(0.2)
            assert warm.ready_count() == 0
        with warm.take(data, spec, shared):
            wait_until(lambda: warm.ready_count() == 2)
    finally:
        warm.close()


def test_warming_waits_while_requests_compute_and_goes_on_after():
    data, spec = sample_dataset(), TrainingSpec(0.003, 4)
    shared = GraphCache(1).get(data, spec)
    busy = [True]
    warm = WarmSessions(per_graph=2, graphs=4, busy=lambda: busy[0])
    try:
        warm.fill_soon(data, spec, shared)
        time.sleep(0.3)
        assert warm.ready_count() == 0  # A class is computing: its runs make their own.
        busy[0] = False
        wait_until(lambda: warm.ready_count() == 2)  # Quiet again: the next are ready.
    finally:
        warm.close()  # Also wakes warming that waits.


class CountedFills(WarmSessions):
    """Counts its fills; the first waits for `release`, as when the worker is still busy."""

    def __init__(self) -> None:
        super().__init__(per_graph=1, graphs=4)
        self.fills = 0
        self.release = threading.Event()

    def fill(self, data, spec, shared) -> None:
        self.fills += 1
        self.release.wait(10)
        super().fill(data, spec, shared)


def test_a_burst_of_takes_queues_one_fill_not_one_each():
    data, spec = sample_dataset(), TrainingSpec(0.003, 5)
    shared = GraphCache(1).get(data, spec)
    warm = CountedFills()
    taken = []
    try:
        taken = [warm.take(data, spec, shared) for _ in range(20)]
        warm.release.set()
        wait_until(lambda: warm.ready_count() == 1)
        time.sleep(0.5)  # Fills queued one per take would all have run by now.
        # The first take queues none, the second one, and while that one runs, the burst's
        # other 18 share one more.
        assert warm.fills == 2
    finally:
        warm.close()
        for model in taken:
            model.close()
