"""The teacher's live view of an assignment: its runs, where each stands, and its loss curve,
read again every second or two without costing the class's own steps.

Each refresh is two statements (app/storage/assignments.py): the assignment's runs with their
last steps, then the new points of the curves of the runs that moved since this process last
looked. A curve is the loss after steps 1, 1 + s, 1 + 2s, … where the stride s is the smallest
power of two that keeps it within MAX_CURVE_POINTS: as a run grows, s doubles and every other
point kept is dropped (the points of stride 2s are among those of stride s), so a curve is never
read twice. A reset run (another generation) is read again whole, and one this process has not
seen once, with one index range scan.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.storage.store import Store
from app.storage.stored import AssignmentRunHead, CurveRequest

MAX_CURVE_POINTS = 200  # Per run: enough for a chart's width, small for 200 runs a second.
MAX_RUNS_SHOWN = 300  # The newest of an assignment's runs; a class of 200 and their retries.
REMEMBERED_CURVES = 5000  # Runs whose curves this process keeps, least recently shown dropped.


def grid_stride(last: int) -> int:
    """The smallest power of two s with at most MAX_CURVE_POINTS of 1, 1 + s, … up to `last`."""
    stride = 1
    while (last - 1) // stride + 1 > MAX_CURVE_POINTS:
        stride *= 2
    return stride


def grid_count(last: int, stride: int) -> int:
    """How many of 1, 1 + stride, … are at most `last`."""
    return max(0, (last - 1) // stride + 1)


@dataclass
class _Curve:
    """A run's curve as read so far: the points of the grid up to step `through`."""

    generation: int
    stride: int
    through: int
    losses: list[float | None]
    changed_at: datetime  # When this process last saw the run change (or first saw it).
    moved_at: datetime | None  # When it last saw the run take steps or be reset.
    seen: bool  # Shown by an earlier refresh: new points since are the run moving.


@dataclass(frozen=True)
class LiveRun:
    """A run as the live view shows it: its head, its curve, and when it last changed."""

    head: AssignmentRunHead
    stride: int
    losses: tuple[float | None, ...]  # After steps 1, 1 + stride, …
    changed_at: datetime
    last_activity: datetime


@dataclass(frozen=True)
class LiveSnapshot:
    """An assignment's runs as read at `taken_at` (before the reads: anything that changes
    after it is seen as changed at a later refresh)."""

    taken_at: datetime
    runs: list[LiveRun]
    more: bool  # The assignment has older runs than these, not shown.


def _now() -> datetime:
    return datetime.now(UTC)


class LiveCurves:
    """The curves of assignments' runs, kept per process between refreshes."""

    def __init__(self, store: Store, clock: Callable[[], datetime] = _now) -> None:
        self._store = store
        self._clock = clock
        self._curves: OrderedDict[str, _Curve] = OrderedDict()
        # One refresh at a time per process: only the teacher's pages ask, and never a
        # learner's request waits for this lock.
        self._lock = threading.Lock()

    def snapshot(self, assignment_id: str) -> LiveSnapshot:
        """The assignment's newest runs, newest first, each with its whole curve."""
        with self._lock:
            now = self._clock()
            heads = self._store.assignment_runs(assignment_id, MAX_RUNS_SHOWN + 1)
            more = len(heads) > MAX_RUNS_SHOWN
            heads = heads[:MAX_RUNS_SHOWN]
            requests = [r for r in (self._prepare(head, now) for head in heads) if r is not None]
            points = self._store.curve_points(requests) if requests else {}
            for request in requests:
                self._extend(request, points[request.run_id], now)
            live = [self._live(head) for head in heads]
            for head in heads:
                curve = self._curves.get(head.id)
                if curve is not None:
                    curve.seen = True
            return LiveSnapshot(now, live, more)

    def _prepare(self, head: AssignmentRunHead, now: datetime) -> CurveRequest | None:
        """What to read of the run's curve, if anything; its kept curve brought to its stride."""
        curve = self._curves.get(head.id)
        if curve is None or curve.generation != head.generation or head.steps < curve.through:
            reset = curve is not None  # Else new to this process: read whole, not "moved".
            stride = grid_stride(head.steps)
            curve = _Curve(head.generation, stride, 0, [], now, now if reset else None, reset)
            self._curves[head.id] = curve
        self._curves.move_to_end(head.id)
        while len(self._curves) > REMEMBERED_CURVES:
            self._curves.popitem(last=False)
        stride = grid_stride(head.steps)
        if stride > curve.stride:  # Keep the points of the coarser grid, which are among ours.
            curve.losses = curve.losses[:: stride // curve.stride]
            curve.stride = stride
        if head.steps == curve.through:
            return None
        return CurveRequest(head.id, head.generation, curve.through, head.steps, stride)

    def _extend(
        self, request: CurveRequest, read: list[tuple[int, float | None]], now: datetime
    ) -> None:
        curve = self._curves.get(request.run_id)
        if curve is None:
            return
        expected = grid_count(request.last, request.stride) - grid_count(
            request.after, request.stride
        )
        if len(read) != expected:
            # Reset (or deleted) between the two reads: read it again whole next time.
            del self._curves[request.run_id]
            return
        curve.losses.extend(loss for _, loss in read)
        curve.through = request.last
        curve.changed_at = now
        if curve.seen:
            curve.moved_at = now

    def _live(self, head: AssignmentRunHead) -> LiveRun:
        curve = self._curves.get(head.id)
        if curve is None:  # Dropped by a reset meanwhile: shown without a curve this time.
            return LiveRun(head, grid_stride(head.steps), (), self._clock(), head.last_active_at)
        # The store notes activity at most once a minute; this process saw any since.
        moved = curve.moved_at
        activity = head.last_active_at if moved is None else max(head.last_active_at, moved)
        return LiveRun(head, curve.stride, tuple(curve.losses), curve.changed_at, activity)
