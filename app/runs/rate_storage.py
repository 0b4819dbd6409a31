"""Where the rate limits keep their counts: `limits`' in-memory storage, swept without a thread
per request.

`limits.storage.MemoryStorage` drops expired entries in a `threading.Timer` of 10 ms that it
starts on a hit whenever the last one has ended: a request more than 10 ms after the one
before (a learner's Step, any stream) started a thread and waited for it to run, about
0.4 ms of a step's 1.5 to 2.5 ms on a 2-core machine, and a busy server woke a thread every
10 ms to walk every key. Here the request that finds the last sweep a second old sweeps,
in its own thread: no thread is started after the storage's first, and a key's entries
still cannot outgrow its rate between sweeps, since a refused hit adds none.
"""

import threading
import time

from limits.storage import MemoryStorage

SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """`MemoryStorage`, its expired entries swept at most once every SWEEP_SECONDS by a hit."""

    def __init__(self) -> None:
        super().__init__()
        self._swept_at = time.monotonic()
        self._sweeping = threading.Lock()

    # MemoryStorage calls its private `__schedule_expiry` on every hit (its name is mangled,
    # hence the spelling); this replaces the timer it starts with a sweep now and then. The
    # library is pinned to a minor version, and tests/runs/test_rate_storage.py checks both
    # that no thread starts and that expired keys still go.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()
