"""A stream of steps: computed a chunk (or, paced, one step) at a time, each stored before it
is yielded, waiting through a busy moment rather than failing half-way."""

from collections.abc import AsyncIterator, Callable, Sequence

import anyio

from app.domain.readings import StepOutcome
from app.runs.errors import RunBusyError, RunContendedError, ServerBusyError
from app.runs.stream_stops import StreamControl
from app.runs.views import StepBatch

STREAM_CHUNK = 100  # Steps an unpaced stream computes per session call.
# A stream that finds every computation slot taken, or its run being computed by another
# process, waits and tries again, rather than failing mid-way, for up to this long; then it
# ends with ServerBusyError (reason `busy`).
STREAM_SLOT_WAIT_SECONDS = 10.0
STREAM_SLOT_POLL_SECONDS = 0.05
# Each try of a stream waits this long at most for another process to finish with the run,
# so that a stream told to stop (the server is shutting down) ends within its grace period.
STREAM_LOCK_WAIT_SECONDS = 1.0

# RunService.step(run_id, n, generation, every_prediction, lock_wait_seconds), in a thread.
StepFunction = Callable[[str, int, int, bool, float], StepBatch]


async def sleep_unless_stopped(seconds: float, stop: anyio.Event | None) -> bool:
    """Sleep `seconds`, waking early once `stop` is set; return whether it is set."""
    if stop is None:
        await anyio.sleep(seconds)
        return False
    with anyio.move_on_after(seconds):
        await stop.wait()
    return stop.is_set()


async def stream_steps(
    step: StepFunction,
    run_id: str,
    n: int,
    generation: int,
    interval_seconds: float,
    control: StreamControl | None,
) -> AsyncIterator[Sequence[StepOutcome]]:
    """Yield up to `n` steps of the run at `generation`, each stored before it is yielded,
    in the groups computed together (one step each when paced), so that a group can reach
    the client in one write.

    See RunService.stream, which checks the request and gives the generation.
    """
    # A paced stream computes each step when it is due (and its page shows the step before,
    # if it waits for its page), so Stop ends it before the next; an unpaced one computes
    # chunks of steps in one session call each.
    chunk = 1 if interval_seconds > 0 else STREAM_CHUNK
    stop = control.stop if control is not None else None
    sent = 0
    due = anyio.current_time()
    while sent < n:
        batch = await _next_batch(step, run_id, min(chunk, n - sent), generation, stop)
        if batch is None:
            return
        yield batch.outcomes  # They end with the step that diverged, if one did.
        sent += len(batch.outcomes)
        last = batch.outcomes[-1].record
        if last.diverged:
            return
        if interval_seconds > 0 and sent < n:
            # Steps are due every interval, however long each took to compute.
            due += interval_seconds
            if control is not None and control.waits_for(last.step):
                if not await control.until_shown(last.step):
                    return
                # A page that showed the step late paces the next from then: the steps
                # after a pause come paced too, not hurried to catch up.
                due = max(due, anyio.current_time())
            if await sleep_unless_stopped(max(0.0, due - anyio.current_time()), stop):
                return


async def _next_batch(
    step: StepFunction, run_id: str, n: int, generation: int, stop: anyio.Event | None
) -> StepBatch | None:
    """A stream's next steps, waiting if no computation slot is free or another process
    is computing the run (see STREAM_SLOT_WAIT_SECONDS); None, with nothing computed, once
    `stop` is set."""
    deadline = anyio.current_time() + STREAM_SLOT_WAIT_SECONDS
    while stop is None or not stop.is_set():
        try:
            return await anyio.to_thread.run_sync(
                step, run_id, n, generation, True, STREAM_LOCK_WAIT_SECONDS
            )
        except ServerBusyError:  # RunBusyError too: another process held the run.
            if anyio.current_time() >= deadline:
                raise
        except RunContendedError as error:  # Lost the store's races (SQLite's processes).
            if anyio.current_time() >= deadline:
                raise RunBusyError(STREAM_SLOT_WAIT_SECONDS) from error
        await sleep_unless_stopped(STREAM_SLOT_POLL_SECONDS, stop)
    return None
