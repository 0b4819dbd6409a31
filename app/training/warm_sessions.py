"""Sessions of shared graphs, started and warmed ahead of need.

A run's first step, Run or reading would otherwise pay for its session: the initializer and
TensorFlow's preparation of each kind of call (tens of milliseconds in all). A few sessions of
the graphs in demand are kept ready, in their initial state; a run that needs a session takes
one, and a background thread makes the next. Only the most recently wanted graphs keep ready
sessions, so idle memory stays bounded (about 1 MiB a session).

Warming is work for quiet moments: it prepares every kind of call, more than most runs make,
so while requests are computing, or runs take sessions in quick succession (a class arriving
at once), it waits, and those runs make their sessions as they need them. Measured with
`make bench-class`, warming through such a burst took a quarter of the server's time (about
6 % now, in the pauses).
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from app.domain.data import Dataset
from app.domain.spec import TrainingSpec
from app.training.graph_cache import GraphKey
from app.training.model import LinearRegressionModel
from app.training.shared_graph import SharedGraph

logger = logging.getLogger(__name__)

QUIET_POLL_SECONDS = 0.05  # How often waiting warming looks again whether it is quiet.
# Runs taking sessions this close together are a class arriving: warming waits for a pause.
BURST_SECONDS = 0.2


class WarmSessions:
    """Up to `per_graph` ready sessions for each of the `graphs` graphs wanted last."""

    def __init__(
        self, per_graph: int, graphs: int, busy: Callable[[], bool] = lambda: False
    ) -> None:
        """`busy` tells when requests are computing, so that warming waits."""
        self._per_graph = per_graph
        self._graphs = graphs
        self._busy = busy
        self._ready: OrderedDict[GraphKey, list[LinearRegressionModel]] = OrderedDict()
        self._filling: set[GraphKey] = set()  # Keys with a fill queued: one is enough.
        self._lock = threading.Lock()
        self._closed = False
        self._closing = threading.Event()  # Wakes warming that waits for a quiet moment.
        self._taken_at = float("-inf")  # time.monotonic() of the last take.
        # One thread: warming is work the requests do not wait for, and must not crowd.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm-sessions")

    @property
    def enabled(self) -> bool:
        return self._per_graph > 0

    def take(self, data: Dataset, spec: TrainingSpec, shared: SharedGraph) -> LinearRegressionModel:
        """A session of `shared` in its initial state: a ready one if there is, else a new
        one. If these settings were wanted before, another is made ready in the background
        for the next run."""
        key = GraphKey.of(data, spec)
        self._taken_at = time.monotonic()
        with self._lock:
            wanted_before = key in self._ready
            ready = self._ready.setdefault(key, [])
            self._ready.move_to_end(key)
            model = ready.pop() if ready else None
            dropped = self._drop_beyond_bound()
        for old in dropped:
            old.close()
        # Sessions are made ahead only for settings wanted again (a class on one link, the
        # default sample): for a run of settings of its own, no one would take them.
        if wanted_before:
            self.fill_soon(data, spec, shared)
        return model if model is not None else LinearRegressionModel(data, spec, shared)

    def fill_soon(self, data: Dataset, spec: TrainingSpec, shared: SharedGraph) -> None:
        """Make the graph's ready sessions up to `per_graph`, in the background, unless a
        fill of them is already queued."""
        key = GraphKey.of(data, spec)
        with self._lock:
            if self._closed or key in self._filling:
                return
            self._filling.add(key)
        self._worker.submit(self._fill_logged, data, spec, shared)

    def ready_count(self) -> int:
        with self._lock:
            return sum(len(ready) for ready in self._ready.values())

    def close(self) -> None:
        """Stop making sessions and close the ready ones."""
        self._closed = True
        self._closing.set()
        self._worker.shutdown(wait=True, cancel_futures=True)
        self._close_ready_if_closed()

    def _fill_logged(self, data: Dataset, spec: TrainingSpec, shared: SharedGraph) -> None:
        key = GraphKey.of(data, spec)
        with self._lock:
            self._filling.discard(key)  # Takes from now on queue a fill of their own.
        try:
            self.fill(data, spec, shared)
        except Exception:  # A background thread has no caller to tell: runs start cold.
            logger.exception("could not warm a session")

    def fill(self, data: Dataset, spec: TrainingSpec, shared: SharedGraph) -> None:
        """Make the graph's ready sessions up to `per_graph`, each once it is quiet: no
        request computes, and no run took a session in the last BURST_SECONDS."""
        key = GraphKey.of(data, spec)
        while not self._closed:
            if self._busy() or time.monotonic() - self._taken_at < BURST_SECONDS:
                self._closing.wait(QUIET_POLL_SECONDS)
                continue
            with self._lock:
                if len(self._ready.get(key, ())) >= self._per_graph:
                    return
            model = LinearRegressionModel(data, spec, shared)
            model.warm_up()
            with self._lock:
                self._ready.setdefault(key, []).append(model)
                self._ready.move_to_end(key)
                dropped = self._drop_beyond_bound()
            for old in dropped:
                old.close()
        self._close_ready_if_closed()

    def _close_ready_if_closed(self) -> None:
        """A session made while the pool closed is closed too."""
        if self._closed:
            with self._lock:
                models = [model for ready in self._ready.values() for model in ready]
                self._ready.clear()
            for model in models:
                model.close()

    def _drop_beyond_bound(self) -> list[LinearRegressionModel]:
        """The ready sessions of graphs beyond the bound, least recently wanted first."""
        dropped = []
        while len(self._ready) > self._graphs:
            _, models = self._ready.popitem(last=False)
            dropped.extend(models)
        return dropped
