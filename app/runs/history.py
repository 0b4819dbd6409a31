"""Reading a run's step history in bounded pieces: a summary for the page, pages for exports.

A run may keep up to `max_steps_per_run` steps (100,000 by default). Sending all of them with
every view made one page 31 MB and one read 9 s; the charts draw at most a couple of thousand
points anyway. So a view carries every step of a short history, and of a long one every k-th
step and the most recent ones in full; the whole history is read page by page, never at once.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from app.domain.records import StepRecord
from app.storage.store import Store

SUMMARY_STEPS = 2000  # Most records in a view of a run: the charts thin to fewer anyway.
# The last steps of a long history, all of them: the timeline's end, the divergence check
# (10 rising steps), and a stream's continuation are drawn from these.
RECENT_STEPS = 500
PAGE_STEPS = 5000  # Records read from the store at once while a whole history is exported.


@dataclass(frozen=True)
class HistorySummary:
    """The records a view carries, and whether they are every step up to `last`."""

    records: list[StepRecord]
    last: int

    @property
    def thinned(self) -> bool:
        return len(self.records) < self.last


def summary_stride(last: int) -> int:
    """Every how many steps the older part of a history of `last` steps is kept (1: all)."""
    if last <= SUMMARY_STEPS:
        return 1
    older = last - RECENT_STEPS
    kept = SUMMARY_STEPS - RECENT_STEPS
    return -(-older // kept)  # Ceiling division: at most `kept` older steps.


class HistoryReader:
    """Reads histories from the store without holding any run's lock: the store is the truth,
    and a step is stored whole or not at all, so a read never sees half a step."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def summary(self, run_id: str, last: int) -> HistorySummary:
        """Steps 1..`last`, thinned if there are more than SUMMARY_STEPS of them."""
        stride = summary_stride(last)
        if stride == 1:
            records = self._store.steps(run_id, limit=last)
        else:
            records = self._store.thinned_steps(run_id, last, stride, RECENT_STEPS)
        return HistorySummary(records=records, last=last)

    def page(self, run_id: str, after: int, limit: int) -> list[StepRecord]:
        """At most `limit` steps after step `after`, in order."""
        return self._store.steps(run_id, after=after, limit=limit)

    def pages(self, run_id: str, up_to: int | None = None) -> Iterator[list[StepRecord]]:
        """Every step (up to step `up_to`), PAGE_STEPS at a time: memory stays bounded
        whatever the length."""
        after = 0
        while page := self._store.steps(run_id, after=after, limit=PAGE_STEPS):
            if up_to is not None:
                page = [record for record in page if record.step <= up_to]
                if not page:
                    return
            yield page
            after = page[-1].step
