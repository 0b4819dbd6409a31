"""The shared graphs of a process, one per data and settings, with a bound.

Building a graph costs tens of milliseconds of CPU; a class of two hundred following one link
would otherwise build two hundred copies of the same one. The cache keeps the most recently
used graphs; evicting one only drops the cache's reference: the sessions built on it keep it
alive until they close, and the next run with its settings builds it again.
"""

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from app.domain.data import Dataset
from app.domain.spec import TrainingSpec
from app.training.shared_graph import SharedGraph, build_shared_graph


@dataclass(frozen=True)
class GraphKey:
    """What decides a graph: the points (as the float64 values the graph's constants round
    exactly), and every setting of the spec, the optimizer's parameters with their defaults."""

    x: bytes
    y: bytes
    learning_rate: float
    seed: int
    optimizer: str
    params: tuple[tuple[str, object], ...]
    loss: str
    batch_size: int | None
    schedule: str  # The schedule as canonical JSON; "null" without one.

    @classmethod
    def of(cls, data: Dataset, spec: TrainingSpec) -> "GraphKey":
        return cls(
            x=data.x.tobytes(),
            y=data.y.tobytes(),
            learning_rate=spec.learning_rate,
            seed=spec.seed,
            optimizer=spec.optimizer,
            params=tuple(sorted(spec.params().items())),
            loss=spec.loss,
            batch_size=spec.batch_size,
            schedule=json.dumps(
                None if spec.schedule is None else spec.schedule.to_json(), sort_keys=True
            ),
        )


class GraphCache:
    """At most `capacity` shared graphs, the least recently used evicted first."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._graphs: OrderedDict[GraphKey, SharedGraph] = OrderedDict()
        self._lock = threading.Lock()
        # One builder per key: a class arriving at once waits for the first build, not 200.
        self._building: dict[GraphKey, threading.Lock] = {}

    def get(self, data: Dataset, spec: TrainingSpec) -> SharedGraph:
        """The graph for `data` and `spec`, built now if no other run has it."""
        key = GraphKey.of(data, spec)
        found = self._cached(key)
        if found is not None:
            return found
        with self._lock:
            builder = self._building.setdefault(key, threading.Lock())
        with builder:
            found = self._cached(key)  # Built while this thread waited for the builder.
            if found is None:
                found = build_shared_graph(data, spec)
                self._keep(key, found)
        with self._lock:
            self._building.pop(key, None)
        return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._graphs)

    def _cached(self, key: GraphKey) -> SharedGraph | None:
        with self._lock:
            found = self._graphs.get(key)
            if found is not None:
                self._graphs.move_to_end(key)
            return found

    def _keep(self, key: GraphKey, graph: SharedGraph) -> None:
        with self._lock:
            self._graphs[key] = graph
            while len(self._graphs) > self._capacity:
                self._graphs.popitem(last=False)
