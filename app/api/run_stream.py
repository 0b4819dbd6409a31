"""The server-sent event stream of a run's steps: paced for watching, ended by one `end` event."""

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app.api.clients import ClientDep
from app.api.deps import ServiceDep
from app.api.openapi_responses import CHANGE_ERRORS
from app.api.owned_run import OwnedRun, OwnerCheckedRun
from app.api.presenters import step_events_json
from app.domain.readings import StepOutcome
from app.runs.errors import (
    InvalidRunRequestError,
    RunDivergedError,
    RunRequestError,
    RunResetError,
    ServerBusyError,
)
from app.runs.limits import StreamLease
from app.runs.service import RunService
from app.runs.stream_stops import StreamControl
from app.schemas.requests import (
    STREAM_ID_DESCRIPTION,
    STREAM_ID_PATTERN,
    ShownRequest,
    StopRequest,
)
from app.schemas.runs import StreamEnd, StreamsShown, StreamsStopped
from app.storage.full_disk import StorageFullError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/runs", tags=["runs"])

MAX_STREAM_INTERVAL_MS = 1000
SSE_PING_SECONDS = 15
# On shutdown, streams get this long to send their `end` event before they are cancelled; it
# must stay below uvicorn's --timeout-graceful-shutdown (3 s in the Makefile and Dockerfile).
STREAM_SHUTDOWN_GRACE_SECONDS = 2.0
# Events computed together are sent in writes of about this size (a step of 1,000 points is
# about 20 KB): few enough to save the per-write cost, small enough for a slow reader.
WRITE_BYTES = 64 * 1024
# pydantic's compact JSON is one line (it escapes control characters inside strings), so a
# `step` event is this head, the JSON and a blank line: the bytes of ServerSentEvent.encode
# without its splitting of the data into lines again (0.15 ms of a chunk of 50's 0.55 ms;
# a test compares the bytes).
STEP_EVENT_HEAD = b"event: step\r\ndata: "
EVENT_TAIL = b"\r\n\r\n"

StreamId = Annotated[str, Path(pattern=STREAM_ID_PATTERN, description=STREAM_ID_DESCRIPTION)]


@router.get(
    "/{run_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`step` events, one per update, then one `end` event."},
        **CHANGE_ERRORS,
    },
)
async def stream_run(
    run_id: OwnedRun,
    service: ServiceDep,
    client: ClientDep,
    n: int = 50,
    interval_ms: Annotated[int, Query(ge=0, le=MAX_STREAM_INTERVAL_MS)] = 0,
    stream: Annotated[
        str | None, Query(pattern=STREAM_ID_PATTERN, description=STREAM_ID_DESCRIPTION)
    ] = None,
    wait_for_page: Annotated[
        bool,
        Query(
            description="With `stream` and `interval_ms`: compute each step only once the page "
            "says (POST /api/runs/{id}/streams/{stream}/shown) that it shows the step before."
        ),
    ] = False,
) -> EventSourceResponse:
    """Apply up to `n` updates, sending each as an event as soon as it is stored.

    `interval_ms` paces the steps so a learner can watch them; with `wait_for_page`, a page
    that shows a step late holds the next one back, so the run is never more than one step
    past what the page shows. POST /api/runs/{id}/stop ends the stream before its next step,
    with a `stopped` event; closing the connection stops the computation too, once the server
    notices. A server shutting down ends the stream with a `shutdown` event.
    """
    if wait_for_page and stream is None:
        raise InvalidRunRequestError(
            "needs `stream`, the id the page names the stream by when it says what it shows",
            field="wait_for_page",
        )
    generation = await run_in_threadpool(service.check_can_step, run_id, n)
    lease = service.admission.open_stream(client)  # 429 if the client has its streams open.
    # Its stop is set by Stop (service.stream_stops), or by sse-starlette when the server is
    # told to stop (SIGTERM), which then gives the stream the grace period to end with its
    # final event.
    control = StreamControl(stream, wait_for_page)
    events = _events(service, run_id, n, generation, interval_ms / 1000, control)
    return EventSourceResponse(
        _leased(lease, _watched(service, run_id, control, events)),
        ping=SSE_PING_SECONDS,
        shutdown_event=control.stop,
        shutdown_grace_period=STREAM_SHUTDOWN_GRACE_SECONDS,
        # A reader that stops reading (its buffers full) is dropped, and its stream ends.
        send_timeout=service.admission.stream_send_timeout,
        # Also run when the body never starts (the client left first): the place is freed.
        background=BackgroundTask(_release, lease),
    )


async def _release(lease: StreamLease) -> None:
    # Async, so that Starlette runs it on the event loop, not in a worker thread.
    lease.release()


async def _leased(
    lease: StreamLease, events: AsyncIterator[ServerSentEvent | bytes]
) -> AsyncIterator[ServerSentEvent | bytes]:
    """The stream's events; its client's place is given back when they end, however."""
    try:
        async for event in events:
            yield event
    finally:
        lease.release()


@router.post("/{run_id}/stop", responses=CHANGE_ERRORS, response_model=StreamsStopped)
async def stop_streams(
    run_id: OwnedRun,
    service: ServiceDep,
    request: Annotated[StopRequest | None, Body()] = None,
) -> StreamsStopped:
    """End the run's streams (or the one named) before their next step; each sends its `end`
    event (reason `stopped`, with the last step stored). Async: it computes nothing."""
    stream = request.stream if request is not None else None
    return StreamsStopped(streams=service.stream_stops.stop(run_id, stream))


@router.post(
    "/{run_id}/streams/{stream}/shown",
    responses={code: CHANGE_ERRORS[code] for code in (403, 404, 422)},
    response_model=StreamsShown,
)
async def stream_shown(
    run_id: OwnerCheckedRun, stream: StreamId, shown: ShownRequest, service: ServiceDep
) -> StreamsShown:
    """The owner's page shows step `step` of the run: its stream opened `wait_for_page` may
    compute the step after it. Not counted as a change to the run. Async: it computes nothing."""
    return StreamsShown(streams=service.stream_stops.shown(run_id, stream, shown.step))


async def _watched(
    service: RunService,
    run_id: str,
    control: StreamControl,
    events: AsyncIterator[ServerSentEvent | bytes],
) -> AsyncIterator[ServerSentEvent | bytes]:
    """The stream's events, while Stop can reach it (service.stream_stops)."""
    with service.stream_stops.watching(run_id, control):
        async for event in events:
            yield event


async def _events(
    service: RunService,
    run_id: str,
    n: int,
    generation: int,
    interval_seconds: float,
    control: StreamControl,
) -> AsyncIterator[ServerSentEvent | bytes]:
    last_step: int | None = None
    diverged = False
    sent = 0
    try:
        async for outcomes in service.stream(run_id, n, generation, interval_seconds, control):
            last_step, diverged = outcomes[-1].record.step, outcomes[-1].record.diverged
            sent += len(outcomes)
            # The steps computed together go in few writes, not one each through the server.
            for chunk in _in_writes(outcomes):
                yield chunk
        if diverged:
            end = StreamEnd(reason="diverged", step=last_step, diverged=True)
        elif sent < n and control.stopped_by_page:
            end = StreamEnd(reason="stopped", step=last_step, diverged=False)
        elif sent < n and control.stop.is_set():
            detail = "the server is shutting down; every step sent is stored, run again later"
            end = StreamEnd(
                reason="shutdown", step=last_step, diverged=False, detail=detail, code="shutdown"
            )
        else:
            end = StreamEnd(reason="completed", step=last_step, diverged=False)
    except ServerBusyError as error:
        end = _ended_by(error, "busy", last_step)
    except RunResetError as error:
        end = _ended_by(error, "reset", last_step)
    except StorageFullError as error:
        # Reason "error", whose detail the page shows (it would ignore a reason it does not know).
        end = StreamEnd(
            reason="error",
            step=last_step,
            diverged=False,
            detail=error.detail,
            code=error.code,
            params={"retry_after": error.retry_after},
        )
    except RunRequestError as error:
        # E.g. another tab diverged the run while this stream was going.
        end = _ended_by(error, "error", last_step)
    except Exception:
        logger.exception("stream of run %s failed", run_id)
        end = StreamEnd(
            reason="error",
            step=last_step,
            diverged=False,
            detail="internal server error",
            code="internal_error",
        )
    yield ServerSentEvent(event="end", data=end.model_dump_json())


def _in_writes(outcomes: Sequence[StepOutcome]) -> Iterator[bytes]:
    """The outcomes' `step` events, joined into writes of about WRITE_BYTES: each write has
    the stream's send timeout to leave, so none may be too large for a slow reader."""
    pending: list[bytes] = []
    size = 0
    for data in step_events_json(outcomes):
        pending.append(STEP_EVENT_HEAD + data + EVENT_TAIL)
        size += len(pending[-1])
        if size >= WRITE_BYTES:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _ended_by(error: RunRequestError, reason: str, last_step: int | None) -> StreamEnd:
    """The end of a stream that `error` stopped, with the error's code for the page."""
    return StreamEnd(
        reason=reason,
        step=last_step,
        diverged=isinstance(error, RunDivergedError),
        detail=str(error),
        code=error.code,
        params=error.params,
    )
