"""A paced stream that waits for its page never runs more than one step past what the page shows,
and the page's Stop reaches its own stream, even one that has not opened yet."""

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import anyio

from app.runs.stream_stops import StreamControl, StreamStops
from app.runs.streaming import stream_steps
from app.runs.views import StepBatch

INTERVAL = 0.001  # Paced, but quick: the pace itself is not what these tests check.


def run_apart(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run `scenario` in an event loop of its own thread: the browser tests' Playwright keeps
    an asyncio loop in the main thread for the whole session, where anyio.run would refuse."""
    with ThreadPoolExecutor(max_workers=1) as runner:
        runner.submit(anyio.run, scenario).result()


class FakeRun:
    """Steps as RunService.step makes them (numbered from 1), and how many were computed."""

    def __init__(self) -> None:
        self.computed = 0

    def step(self, _run_id, n, _generation, _every_prediction, _lock_wait) -> StepBatch:
        outcomes = []
        for _ in range(n):
            self.computed += 1
            record = SimpleNamespace(step=self.computed, diverged=False)
            outcomes.append(SimpleNamespace(record=record))
        return StepBatch(outcomes=outcomes, current=None)


def shown_by_a_slow_page(wait_for_page: bool) -> list[int]:
    """Stream 6 steps, sent as soon as computed (as sse-starlette does) to a page that shows
    each one late; for each step, how many steps past it the server had computed when the
    page showed it."""
    fake = FakeRun()
    control = StreamControl("page-stream", wait_for_page)
    ahead: list[int] = []

    async def scenario() -> None:
        sent, arrived = anyio.create_memory_object_stream[int](100)

        async def server() -> None:
            async with sent:
                async for outcomes in stream_steps(fake.step, "run", 6, 0, INTERVAL, control):
                    for outcome in outcomes:
                        await sent.send(outcome.record.step)

        async def page() -> None:
            async with arrived:
                async for step in arrived:
                    await anyio.sleep(0.02)  # Busy drawing: many intervals pass.
                    ahead.append(fake.computed - step)
                    control.show(step)

        async with anyio.create_task_group() as group:
            group.start_soon(server)
            group.start_soon(page)

    run_apart(scenario)
    return ahead


def test_a_stream_that_waits_for_its_page_computes_a_step_only_after_the_last_is_shown():
    # Never one past: step k+1 waits until the page shows k, so Stop ends at most at k+1.
    assert shown_by_a_slow_page(wait_for_page=True) == [0] * 6


def test_without_waiting_for_its_page_a_stream_runs_ahead_of_a_slow_page():
    assert max(shown_by_a_slow_page(wait_for_page=False)) > 1


def test_stop_while_the_page_has_not_shown_the_step_computes_nothing_more():
    fake = FakeRun()
    control = StreamControl("page-stream", wait_for_page=True)

    async def stop_before_showing() -> None:
        async with anyio.create_task_group() as group:

            async def read() -> None:
                async for (outcome,) in stream_steps(fake.step, "run", 50, 0, INTERVAL, control):
                    if outcome.record.step < 3:
                        control.show(outcome.record.step)
                    else:  # Shows step 3 late, and its learner presses Stop meanwhile.
                        group.start_soon(stop_soon)

            async def stop_soon() -> None:
                await anyio.sleep(0.02)
                control.stop_by_page()

            group.start_soon(read)

    run_apart(stop_before_showing)
    assert fake.computed == 3


def test_stop_reaches_the_named_stream_only_and_one_that_opens_later():
    stops = StreamStops()
    first, second = StreamControl("first-stream"), StreamControl("second-stream")

    async def scenario() -> None:
        with stops.watching("run", first), stops.watching("run", second):
            assert stops.stop("run", "first-stream") == 1
            assert first.stopped_by_page and not second.stop.is_set()
            assert stops.shown("run", "second-stream", 4) == 1
            assert not second.waits_for(4)
        # Stop pressed before the stream's own request arrived: it ends as it opens.
        assert stops.stop("run", "late-stream") == 0
        late = StreamControl("late-stream")
        with stops.watching("run", late):
            assert late.stopped_by_page
        # Kept for that stream alone, and once.
        again, other = StreamControl("late-stream"), StreamControl("other-stream")
        with stops.watching("run", again), stops.watching("run", other):
            assert not again.stop.is_set() and not other.stop.is_set()
            assert stops.stop("run") == 2  # No id: every stream of the run.
        assert stops.shown("run", "other-stream", 1) == 0  # Ended: nobody took it.

    run_apart(scenario)


def test_an_older_shown_step_arriving_late_changes_nothing():
    control = StreamControl("page-stream", wait_for_page=True)
    control.show(5)
    control.show(3)
    assert not control.waits_for(5)
    assert control.waits_for(6)
