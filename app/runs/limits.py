"""How much the server computes at once, and how often one run may be changed.

Both refuse rather than queue without bound: a class of 200 pressing Step together must get
quick answers, some saying "try again in a second", not a queue that only grows.
"""

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.runs.errors import RunRateLimitedError, ServerBusyError

BUSY_RETRY_AFTER_SECONDS = 1  # A computation takes milliseconds; a slot frees up quickly.


class ComputeSlots:
    """At most `capacity` TensorFlow computations at once, across all runs.

    A computation takes milliseconds, so a burst (a class pressing Run together) is absorbed
    by waiting up to `wait_seconds` for a slot; only a longer overload is refused. Waiters are
    worker threads, so they are bounded by the thread pool as well as by the wait.
    """

    def __init__(self, capacity: int, wait_seconds: float) -> None:
        self._capacity = capacity
        self._wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(capacity)

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold a slot for the body; raise ServerBusyError if none came free in time."""
        if not self._slots.acquire(timeout=self._wait_seconds):
            raise ServerBusyError(self._capacity, BUSY_RETRY_AFTER_SECONDS)
        try:
            yield
        finally:
            self._slots.release()


class RunRateLimiter:
    """At most `rate` (the `limits` notation: "30/second", "600 per minute") requests per key.

    A moving window: a burst cannot double the rate by straddling a window's edge. Counts are
    kept in this process's memory; with several app processes, each counts its own requests
    (runs are routed to one process by their id, so a run's limit holds all the same).
    """

    def __init__(self, rate: str) -> None:
        self._item = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, *key: str) -> None:
        """Count one request for `key`; raise RunRateLimitedError if it is one too many."""
        if self._limiter.hit(self._item, *key):
            return
        reset_at = self._limiter.get_window_stats(self._item, *key).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RunRateLimitedError(str(self._item), retry_after)  # "30 per 1 second"
