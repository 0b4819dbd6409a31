"""Stop for a run's streams: the owner's Stop ends them before their next step.

A closed connection is noticed by the server only when it next writes to it, some steps later,
so Stop does not rely on it: the page asks the process that computes the run (requests for a
run reach the same process) to end its streams, and keeps reading until their `end` event,
which says the last step stored. Used on the event loop only, so it needs no lock.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import anyio


class StreamStops:
    """The stop events of the streams open in this process, by run."""

    def __init__(self) -> None:
        self._open: dict[str, set[anyio.Event]] = {}
        self._asked: set[anyio.Event] = set()

    @contextmanager
    def watching(self, run_id: str, stop: anyio.Event) -> Iterator[None]:
        """While in the block, Stop on the run sets `stop`."""
        self._open.setdefault(run_id, set()).add(stop)
        try:
            yield
        finally:
            streams = self._open[run_id]
            streams.discard(stop)
            if not streams:
                del self._open[run_id]
            self._asked.discard(stop)

    def stop(self, run_id: str) -> int:
        """Set the stop of every stream of the run open here; return how many there were."""
        streams = self._open.get(run_id, set())
        for stop in streams:
            self._asked.add(stop)
            stop.set()
        return len(streams)

    def asked(self, stop: anyio.Event) -> bool:
        """Whether `stop` was set by Stop (rather than by the server shutting down)."""
        return stop in self._asked
