"""Background sweeps: closing TensorFlow sessions nobody has used for a while (their runs are
rebuilt on next use), and keeping the store to its retention policy and budget."""

import logging

import anyio

from app.runs.service import RunService
from app.storage.retention import StorageKeeper

logger = logging.getLogger(__name__)

MAX_SWEEP_INTERVAL_SECONDS = 30.0
# How often the storage keeper is asked whether a sweep is due (a comparison, no I/O).
STORAGE_CHECK_SECONDS = 5.0


async def sweep_idle_sessions(service: RunService, idle_seconds: float) -> None:
    """Every so often, close the sessions idle for `idle_seconds`; runs until cancelled.

    A session is closed at most about half its timeout late: sweeps come twice per timeout.
    """
    interval = min(idle_seconds / 2, MAX_SWEEP_INTERVAL_SECONDS)
    while True:
        await anyio.sleep(interval)
        try:
            # Closing waits for nothing (runs in use are skipped), but frees TensorFlow memory:
            # done off the event loop.
            closed = await anyio.to_thread.run_sync(service.close_idle_sessions)
        except Exception:  # One failed sweep must not stop the next ones.
            logger.exception("closing idle sessions failed")
            continue
        if closed:
            logger.info("closed %d idle session(s)", closed)


async def keep_storage(keeper: StorageKeeper) -> None:
    """Sweep the store at once, then whenever `keeper.sweep_due()`; runs until cancelled.

    Each sweep runs in a worker thread: it queries and deletes, which must not hold up the
    event loop. Call `keeper.stop()` before cancelling, so a sweep under way ends after its
    current delete rather than keeping the shutdown waiting.
    """
    while True:
        try:
            await anyio.to_thread.run_sync(keeper.sweep)
        except Exception:  # One failed sweep must not stop the next ones.
            logger.exception("the storage sweep failed")
        await anyio.sleep(STORAGE_CHECK_SECONDS)
        while not keeper.sweep_due():
            await anyio.sleep(STORAGE_CHECK_SECONDS)
