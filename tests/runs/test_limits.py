import threading
import time

import pytest

from app.runs.errors import RunRateLimitedError, ServerBusyError
from app.runs.limits import ComputeSlots, RateLimiter


def test_compute_slots_refuse_when_all_are_taken():
    slots = ComputeSlots(2, wait_seconds=0)
    with slots.hold(), slots.hold():
        with pytest.raises(ServerBusyError) as refused, slots.hold():
            pass
        assert refused.value.retry_after >= 1
        assert "at most 2 TensorFlow computations at once" in str(refused.value)
    with slots.hold():  # Released again, also after the refusal.
        pass


def test_compute_slots_say_whether_anything_computes():
    slots = ComputeSlots(1, wait_seconds=0)
    assert not slots.computing()
    with slots.hold():
        assert slots.computing()
        with pytest.raises(ServerBusyError), slots.hold():
            pass
        assert slots.computing()  # The refused one wants nothing any more; the holder does.
    assert not slots.computing()


def test_compute_slots_are_shared_between_threads():
    slots = ComputeSlots(1, wait_seconds=0)
    held, release = threading.Event(), threading.Event()

    def hold_one():
        with slots.hold():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold_one)
    holder.start()
    held.wait(10)
    try:
        with pytest.raises(ServerBusyError), slots.hold():
            pass
    finally:
        release.set()
        holder.join()
    with slots.hold():
        pass


def test_a_burst_waits_for_a_slot_to_come_free():
    slots = ComputeSlots(1, wait_seconds=30)
    held = threading.Event()
    order = []

    def hold_briefly():
        with slots.hold():
            held.set()
            time.sleep(0.2)
            order.append("released")

    holder = threading.Thread(target=hold_briefly)
    holder.start()
    held.wait(10)
    with slots.hold():  # Waits for the holder instead of refusing.
        order.append("taken")
    holder.join()
    assert order == ["released", "taken"]


def test_the_rate_limit_counts_each_key_on_its_own():
    limiter = RateLimiter("3/minute")
    for _ in range(3):
        limiter.hit("run-a", "token")
    with pytest.raises(RunRateLimitedError) as refused:
        limiter.hit("run-a", "token")
    assert 1 <= refused.value.retry_after <= 60
    assert "3 per 1 minute" in str(refused.value)
    limiter.hit("run-a", "another token")
    limiter.hit("run-b", "token")
