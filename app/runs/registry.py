"""Live TensorFlow sessions, kept as a cache in front of the store."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from app.runs.errors import WouldWaitError
from app.training.model import LinearRegressionModel

ModelLoader = Callable[[str], LinearRegressionModel]
# Raises if no such run is stored; asked before a run that is not live takes a place. What
# it returns is not used.
RunCheck = Callable[[str], object]
# Entered once a run's lock is held, around loading and using its session, with whether it may
# wait; it may refuse by raising, before anything changed (app.runs.limits.ComputeSlots.hold
# does).
Admission = Callable[[bool], AbstractContextManager[object]]
# Entered for one checkout, once the run's lock is held and before admission; it may refuse
# by raising, before anything changed (app.runs.run_locks.RunLocks.exclusive does).
Hold = Callable[[], AbstractContextManager[object]]


class _LiveRun:
    def __init__(self) -> None:
        # One lock per run: a TensorFlow session's variables are shared state, and steps of one
        # run must happen one at a time and in order. Different runs step in parallel.
        self.lock = threading.Lock()
        self.model: LinearRegressionModel | None = None
        self.closed = False
        self.last_used = time.monotonic()


class RunRegistry:
    """At most `capacity` live sessions; the least recently used is closed to make room.

    A run that is not live is rebuilt by `load` (from the store) the next time it is used.
    """

    def __init__(
        self,
        capacity: int,
        load: ModelLoader,
        keeps_session_on: type[Exception],
        admit: Admission = lambda _wait: nullcontext(),
        require: RunCheck | None = None,
    ) -> None:
        self._capacity = capacity
        self._load = load
        self._require = require
        self._keeps_session_on = keeps_session_on
        self._admit = admit
        self._entries: OrderedDict[str, _LiveRun] = OrderedDict()
        # Guards `_entries` only; never held while TensorFlow runs or a run lock is awaited.
        self._entries_lock = threading.Lock()

    @contextmanager
    def checkout(
        self, run_id: str, hold: Hold = nullcontext, wait: bool = True
    ) -> Iterator[LinearRegressionModel]:
        """Hold the run's lock and give its live model, loading it if needed.

        If the body raises anything but `keeps_session_on`, the session may be ahead of the
        store, so it is dropped and the next use rebuilds it from the store. Loading and the
        body run inside `hold()` then `admit(wait)`, both entered after the lock: waiting for
        a run's lock takes no admission, and neither does waiting in `hold()`.

        Without `wait`, only a live session whose lock is free is given, and admission may not
        wait either: otherwise WouldWaitError is raised, before anything changed.
        """
        if not wait:
            with self._held_now(run_id) as entry, hold(), self._admit(False):
                yield from self._in_use(run_id, entry)
            return
        if self._require is not None and not self._is_live(run_id):
            # Before a place is made for it: ids of no run must not evict real sessions.
            self._require(run_id)
        while True:
            entry = self._touch(run_id)
            with entry.lock:
                if entry.closed:  # Evicted while we waited for the lock; take a fresh entry.
                    continue
                with hold(), self._admit(True):
                    yield from self._in_use(run_id, entry)
                return

    @contextmanager
    def _held_now(self, run_id: str) -> Iterator[_LiveRun]:
        """The run's entry, its lock held, if its session is live and its lock free."""
        with self._entries_lock:
            entry = self._entries.get(run_id)
            if entry is not None:
                self._entries.move_to_end(run_id)
        if entry is None or not entry.lock.acquire(blocking=False):
            raise WouldWaitError()
        try:
            if entry.closed or entry.model is None:
                raise WouldWaitError()
            yield entry
        finally:
            entry.lock.release()

    def _in_use(self, run_id: str, entry: _LiveRun) -> Iterator[LinearRegressionModel]:
        """The body of a checkout, its lock held: the model, loaded if need be, dropped if
        the use failed in a way that may leave it ahead of the store."""
        if entry.model is None:
            try:
                entry.model = self._load(run_id)
            except BaseException:
                self._close(run_id, entry)
                raise
        try:
            yield entry.model
        except self._keeps_session_on:
            raise
        except BaseException:
            self._close(run_id, entry)
            raise
        finally:
            entry.last_used = time.monotonic()

    def add(self, run_id: str, model: LinearRegressionModel) -> None:
        """Make a freshly created model live."""
        entry = self._touch(run_id)
        with entry.lock:
            entry.model = model

    def discard(self, run_id: str) -> None:
        """Close the run's session if it is live; its next use rebuilds it from the store."""
        with self._entries_lock:
            entry = self._entries.get(run_id)
        if entry is not None:
            with entry.lock:
                self._close(run_id, entry)

    def _is_live(self, run_id: str) -> bool:
        with self._entries_lock:
            return run_id in self._entries

    def live_count(self) -> int:
        with self._entries_lock:
            return sum(1 for entry in self._entries.values() if entry.model is not None)

    def close_idle(self, idle_seconds: float) -> int:
        """Close the sessions unused for `idle_seconds`; return how many were closed.

        A run in use holds its lock, so it is skipped rather than waited for; one touched
        after it was picked is kept. A checkout that took the entry before it was closed finds
        it `closed` and loads a fresh one, as after an eviction.
        """
        cutoff = time.monotonic() - idle_seconds
        with self._entries_lock:
            idle = [(i, e) for i, e in self._entries.items() if e.last_used <= cutoff]
        closed = 0
        for run_id, entry in idle:
            if not entry.lock.acquire(blocking=False):
                continue
            try:
                if entry.last_used <= cutoff and not entry.closed:
                    # An entry without a session (its admission was refused) is dropped too.
                    closed += entry.model is not None
                    self._close(run_id, entry)
            finally:
                entry.lock.release()
        return closed

    def close_all(self) -> None:
        with self._entries_lock:
            entries = list(self._entries.items())
        for run_id, entry in entries:
            with entry.lock:
                self._close(run_id, entry)

    def _touch(self, run_id: str) -> _LiveRun:
        with self._entries_lock:
            entry = self._entries.get(run_id)
            if entry is None:
                entry = self._entries[run_id] = _LiveRun()
            self._entries.move_to_end(run_id)
            entry.last_used = time.monotonic()  # Waiting for its lock is use: not idle.
            victims = []
            while len(self._entries) > self._capacity:
                victims.append(self._entries.popitem(last=False))
        for victim_id, victim in victims:
            # Waits for a step in progress on the victim to finish before closing its session.
            with victim.lock:
                self._close(victim_id, victim)
        return entry

    def _close(self, run_id: str, entry: _LiveRun) -> None:
        """Close the entry's session and forget it; the caller holds `entry.lock`."""
        entry.closed = True
        if entry.model is not None:
            entry.model.close()
            entry.model = None
        with self._entries_lock:
            if self._entries.get(run_id) is entry:
                del self._entries[run_id]
