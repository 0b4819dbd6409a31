import threading
import time

import pytest
from limits import parse
from limits.strategies import MovingWindowRateLimiter

from app.runs import rate_storage
from app.runs.rate_storage import SweptMemoryStorage


def test_hits_start_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = SweptMemoryStorage()
    started: list[threading.Thread] = []
    original_start = threading.Thread.start

    def counted_start(thread: threading.Thread) -> None:
        started.append(thread)
        original_start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted_start)
    limiter = MovingWindowRateLimiter(storage)
    rate = parse("100/second")
    # Spaced past the library's 10 ms timer, which each of these would otherwise have started.
    for _ in range(3):
        assert limiter.hit(rate, "run")
        time.sleep(0.02)
    assert started == []


def test_expired_keys_are_swept_by_a_later_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    rate = parse("2/minute")
    assert limiter.hit(rate, "old run")
    assert limiter.hit(rate, "old run")
    assert not limiter.hit(rate, "old run")
    (old_key,) = storage.events

    # Two minutes on, and past the sweep's interval: the old run's entries have expired.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 120)
    monkeypatch.setattr(rate_storage, "SWEEP_SECONDS", 0.0)
    assert limiter.hit(rate, "new run")
    assert storage.events[old_key] == []
    assert limiter.hit(rate, "old run")  # Its window has moved on: allowed again.


def test_a_sweep_waits_its_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    storage = SweptMemoryStorage()
    limiter = MovingWindowRateLimiter(storage)
    rate = parse("1/minute")
    assert limiter.hit(rate, "run")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 120)
    # Expired, but the last sweep is less than SWEEP_SECONDS old: nothing is swept yet.
    assert limiter.hit(rate, "another run")
    assert all(len(entries) == 1 for entries in storage.events.values())
