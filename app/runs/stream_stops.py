"""What the owner's page says to its run's open streams: Stop, and the step it shows.

A closed connection is noticed by the server only when it next writes to it, some steps later,
so Stop does not rely on it: the page asks the process that computes the run (requests for a
run reach the same process) to end its streams, and keeps reading until their `end` event,
which says the last step stored.

A stream the page asked to wait for it computes each paced step only once the page says it
shows the step before. A page busy drawing reads steps late (Plotly's first frames took up to
220 ms, five steps of a Run 50), and without this the server ran that far ahead of what the
learner saw, so Stop ended several steps past it; with it, never more than one.

The page names each stream, so that its Stop and its shown steps reach that stream alone. A
Stop that comes before its stream opened (pressed during the first frames, its request
overtaking the stream's) is kept for EARLY_STOP_SECONDS and ends the stream as it opens.
Used on the event loop only, so it needs no lock.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

# Far longer than a stream's request takes to open it, even waiting for a computation slot.
EARLY_STOP_SECONDS = 30.0


async def _first_of(*events: anyio.Event) -> None:
    """Wait until one of `events` is set."""
    async with anyio.create_task_group() as group:

        async def wait(event: anyio.Event) -> None:
            await event.wait()
            group.cancel_scope.cancel()

        for event in events:
            group.start_soon(wait, event)


class StreamControl:
    """One open stream: its stop, and the step its page shows."""

    def __init__(self, stream_id: str | None = None, wait_for_page: bool = False) -> None:
        self.stream_id = stream_id
        self.wait_for_page = wait_for_page
        # Set by Stop, or by sse-starlette when the server is told to stop (SIGTERM).
        self.stop = anyio.Event()
        self.stopped_by_page = False
        self._shown = -1
        self._shown_moved = anyio.Event()

    def stop_by_page(self) -> None:
        self.stopped_by_page = True
        self.stop.set()

    def show(self, step: int) -> None:
        """The page shows `step` (an older word, arriving late, changes nothing)."""
        if step > self._shown:
            self._shown = step
            self._shown_moved.set()
            self._shown_moved = anyio.Event()

    def waits_for(self, step: int) -> bool:
        """Whether the stream must wait for its page to show `step` before the next step."""
        return self.wait_for_page and self._shown < step

    async def until_shown(self, step: int) -> bool:
        """Wait until the page shows `step`, if the stream waits for its page; return False
        if the stream was stopped first."""
        while self.waits_for(step) and not self.stop.is_set():
            await _first_of(self._shown_moved, self.stop)
        return not self.stop.is_set()


class StreamStops:
    """The streams open in this process, by run, and the Stops that came before their stream."""

    def __init__(self) -> None:
        self._open: dict[str, set[StreamControl]] = {}
        self._early: dict[tuple[str, str], float] = {}  # (run, stream) → kept until (monotonic)

    @contextmanager
    def watching(self, run_id: str, control: StreamControl) -> Iterator[None]:
        """While in the block, the page's Stop and shown steps on the run reach `control`."""
        if control.stream_id is not None:
            stopped_until = self._early.pop((run_id, control.stream_id), 0.0)
            if stopped_until > time.monotonic():
                control.stop_by_page()
        self._open.setdefault(run_id, set()).add(control)
        try:
            yield
        finally:
            streams = self._open[run_id]
            streams.discard(control)
            if not streams:
                del self._open[run_id]

    def stop(self, run_id: str, stream_id: str | None = None) -> int:
        """Stop the run's stream `stream_id` (None: every stream of the run) open here; return
        how many there were. A stream named but not open yet is stopped as it opens."""
        now = time.monotonic()
        self._early = {key: until for key, until in self._early.items() if until > now}
        streams = self._streams(run_id, stream_id)
        for control in streams:
            control.stop_by_page()
        if stream_id is not None and not streams:
            self._early[(run_id, stream_id)] = now + EARLY_STOP_SECONDS
        return len(streams)

    def shown(self, run_id: str, stream_id: str, step: int) -> int:
        """The page of stream `stream_id` shows `step`; return how many streams took it (0:
        the stream has ended)."""
        streams = self._streams(run_id, stream_id)
        for control in streams:
            control.show(step)
        return len(streams)

    def _streams(self, run_id: str, stream_id: str | None) -> list[StreamControl]:
        return [
            control
            for control in self._open.get(run_id, set())
            if stream_id is None or control.stream_id == stream_id
        ]
