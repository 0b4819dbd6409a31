"""How much the server computes at once, how often one run may be changed, and how many runs
and streams one client may start.

Both refuse rather than queue without bound: a class of 200 pressing Step together must get
quick answers, some saying "try again in a second", not a queue that only grows.
"""

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from limits import parse
from limits.strategies import MovingWindowRateLimiter

from app.runs.errors import (
    CreateRateLimitedError,
    RetryLaterError,
    RunRateLimitedError,
    ServerBusyError,
    TooManyStreamsError,
    WouldWaitError,
)
from app.runs.rate_storage import SweptMemoryStorage

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
        self._wanted = 0  # Computations holding or waiting for a slot.
        self._wanted_lock = threading.Lock()

    @contextmanager
    def hold(self, wait: bool = True) -> Iterator[None]:
        """Hold a slot for the body; raise ServerBusyError if none came free in time, or
        WouldWaitError at once if none is free and not `wait`."""
        with self._wanted_lock:
            self._wanted += 1
        try:
            if not wait:
                if not self._slots.acquire(blocking=False):
                    raise WouldWaitError()
            elif not self._slots.acquire(timeout=self._wait_seconds):
                raise ServerBusyError(self._capacity, BUSY_RETRY_AFTER_SECONDS)
            try:
                yield
            finally:
                self._slots.release()
        finally:
            with self._wanted_lock:
                self._wanted -= 1

    def computing(self) -> bool:
        """Whether any computation holds or waits for a slot: work that can wait (warming
        sessions ahead of need) leaves the machine to the requests meanwhile."""
        return self._wanted > 0


# Makes the error that refuses a request over a rate: from the rate ("30 per 1 second") and the
# seconds until the request would be accepted.
Refusal = Callable[[str, int], RetryLaterError]


class RateLimiter:
    """At most `rate` (the `limits` notation: "30/second", "600 per minute") requests per key.

    A moving window: a burst cannot double the rate by straddling a window's edge. Counts are
    kept in this process's memory; with several app processes, each counts its own requests
    (runs are routed to one process by their id, so a run's limit holds all the same).
    """

    def __init__(self, rate: str, refuse: Refusal = RunRateLimitedError) -> None:
        self._item = parse(rate)
        self._refuse = refuse
        self._limiter = MovingWindowRateLimiter(SweptMemoryStorage())

    def hit(self, *key: str) -> None:
        """Count one request for `key`; raise the refusal if it is one too many."""
        if self._limiter.hit(self._item, *key):
            return
        reset_at = self._limiter.get_window_stats(self._item, *key).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise self._refuse(str(self._item), retry_after)  # "30 per 1 second"


@dataclass(frozen=True)
class Client:
    """Who sent a request: its address, and the browser's client id where it sent one."""

    address: str
    browser: str | None


class ClientCreateLimiter:
    """New runs (and forks) per browser, and per address for every browser behind it.

    A class shares one address, so the address's allowance is large and each browser has a
    smaller one of its own; a client without an id (a script, or cookies refused) has only
    its address's.
    """

    def __init__(self, per_browser: str, per_address: str) -> None:
        self._per_browser = RateLimiter(per_browser, CreateRateLimitedError)
        self._per_address = RateLimiter(per_address, CreateRateLimitedError)

    def hit(self, client: Client) -> None:
        if client.browser is not None:
            self._per_browser.hit("browser", client.browser)
        self._per_address.hit("address", client.address)


class StreamLease:
    """One open stream's place; released once, however often `release` is called."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    def release(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()


class StreamSlots:
    """At most `per_browser` open streams a browser, and `per_address` an address."""

    def __init__(self, per_browser: int, per_address: int) -> None:
        self._per_browser = per_browser
        self._per_address = per_address
        self._open: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def take(self, client: Client) -> StreamLease:
        """A place for one more stream; TooManyStreamsError if the client has all of its own."""
        keys = [("address", client.address)]
        limits = [self._per_address]
        if client.browser is not None:
            keys.append(("browser", client.browser))
            limits.append(self._per_browser)
        with self._lock:
            for key, limit in zip(keys, limits, strict=True):
                if self._open[key] >= limit:
                    raise TooManyStreamsError(limit, key[0])
            for key in keys:
                self._open[key] += 1
        return StreamLease(lambda: self._give_back(keys))

    def _give_back(self, keys: list[tuple[str, str]]) -> None:
        with self._lock:
            for key in keys:
                self._open[key] -= 1
                if not self._open[key]:
                    del self._open[key]  # The counter stays as small as the streams open.
