"""Closes TensorFlow sessions nobody has used for a while; their runs are rebuilt on next use."""

import logging

import anyio

from app.runs.service import RunService

logger = logging.getLogger(__name__)

MAX_SWEEP_INTERVAL_SECONDS = 30.0


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
