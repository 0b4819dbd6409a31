"""The class load script (bench/load_class.py) against the live server, with a small class."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.load_class import (
    ACTIONS,
    STEPS,
    STREAMED,
    create_assignment,
    memory_kib,
    play_class,
    require_loopback,
)
from tests.e2e.conftest import TEACHER_TOKEN

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def test_a_small_class_finishes_without_an_error_while_the_teacher_watches(live_server):
    link = create_assignment(live_server.base_url, TEACHER_TOKEN)
    class_ = play_class(live_server.base_url, 4, link, TEACHER_TOKEN)
    # In a thread of its own: Playwright's sync API may hold this thread's event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        tally, seconds = thread.submit(asyncio.run, class_).result(timeout=300)
    assert not tally.errors, tally.errors
    # The live view refreshed throughout, and its last refresh listed every student's run.
    assert len(tally.teacher_seconds) >= 2 and tally.runs_seen == 4
    assert tally.students_done == 4
    assert tally.steps == 4 * (STEPS + STREAMED)
    counts = {action: len(tally.seconds[action]) for action in ACTIONS}
    assert counts == {
        "create": 4,
        "step": 4 * STEPS,
        "stream": 4,
        "reload run": 4,
        "reload page": 4,
    }
    assert seconds > 0
    memory = memory_kib(live_server.process.pid)
    assert memory["VmHWM"] >= memory["VmRSS"] > 0


@pytest.mark.parametrize("url", ["http://10.0.0.5:8000", "http://example.org", "http://[::2]:80"])
def test_it_refuses_to_load_anything_but_this_machine(url):
    with pytest.raises(SystemExit):
        require_loopback(url)
    require_loopback("http://127.0.0.1:8000")
    require_loopback("http://localhost:8000")
