"""JSON routes for runs, and the server-sent event stream of steps.

Routes are plain `def` where they call TensorFlow, so FastAPI runs them in a worker thread and
the event loop never blocks on a session.
"""

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Query, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app.api.clients import ClientDep, NewRunLimited
from app.api.deps import InspectorDep, OwnerTokenHeader, ServiceDep
from app.api.presenters import (
    as_json,
    current_public,
    graph_public,
    history_page_public,
    loss_surface_public,
    node_value_public,
    run_created,
    run_public,
    step_batch_public,
    step_detail_public,
    step_event,
)
from app.api.rate_limit import RateLimited
from app.runs.errors import RunDivergedError, RunRequestError, RunResetError, ServerBusyError
from app.runs.limits import StreamLease
from app.runs.service import RunService
from app.schemas import (
    CurrentPublic,
    ForkRequest,
    GraphPublic,
    HistoryPage,
    LossSurfacePublic,
    NodeValuePublic,
    QueryCoordinate,
    RunCreate,
    RunCreated,
    RunPublic,
    StepBatchPublic,
    StepDetailPublic,
    StepRequest,
    StreamEnd,
)
from app.storage_full import StorageFullError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/runs", tags=["runs"])

MAX_STREAM_INTERVAL_MS = 1000
MAX_SURFACE_SIZE = 120
MAX_HISTORY_PAGE = 5000
# Steps are stored as SQL INTEGER; a larger `after` overflowed SQLite's parameter and answered
# 500 (found by random fuzzing).
MAX_STEP_NUMBER = 2**31 - 1
SSE_PING_SECONDS = 15
# On shutdown, streams get this long to send their `end` event before they are cancelled; it
# must stay below uvicorn's --timeout-graceful-shutdown (3 s in the Makefile and Dockerfile).
STREAM_SHUTDOWN_GRACE_SECONDS = 2.0

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No run with this id."},
    409: {"description": "The run diverged; reset it first."},
    422: {"description": "The request is invalid; `detail` says what to change."},
    503: {"description": "Too many computations at once; retry after `Retry-After` seconds."},
}
_NEW_RUN_LIMITED: dict[str, Any] = {
    "description": "Too many new runs and forks from this browser or address; retry after "
    "`Retry-After` seconds."
}
# Changes to a run: only its owner may make them.
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    403: {"description": "No or the wrong X-Owner-Token: the link is view-only."},
    429: {"description": "Too many changes to this run; retry after `Retry-After` seconds."},
}
# Routes that store something (a stream reports a full disk in its `end` event instead).
_STORAGE_FULL: dict[int | str, dict[str, Any]] = {
    507: {
        "description": "The server's disk, or its storage budget (creating, forking and "
        "stepping only), is full: nothing of this request was stored; retry after "
        "`Retry-After` seconds."
    },
}


@router.post(
    "",
    status_code=201,
    responses={422: _ERRORS[422], 429: _NEW_RUN_LIMITED, **_STORAGE_FULL},
    response_model=RunCreated,
    dependencies=[NewRunLimited],
)
def create_run(
    service: ServiceDep,
    response: Response,
    spec: Annotated[RunCreate | None, Body()] = None,
) -> Response:
    """Create a run; every setting left out is the sample program's. The answer carries the
    run's `owner_token`, needed to change it, once: keep it."""
    view = service.create(spec or RunCreate())
    return as_json(run_created(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}", responses={404: _ERRORS[404]}, response_model=RunPublic)
def get_run(run_id: str, service: ServiceDep) -> Response:
    """The run's settings, points, closed-form answer and step history (thinned when long:
    see `history_thinned`)."""
    return as_json(run_public(service.get(run_id)))


@router.get(
    "/{run_id}/history",
    responses={404: _ERRORS[404], 422: _ERRORS[422]},
    response_model=HistoryPage,
)
def history_page(
    run_id: str,
    service: ServiceDep,
    after: Annotated[
        int,
        Query(ge=0, le=MAX_STEP_NUMBER, description="Steps after this one (0: from the first)."),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY_PAGE)] = 1000,
) -> Response:
    """Every stored step, a page at a time, in order; needs no session."""
    return as_json(history_page_public(service.history_page(run_id, after, limit), limit))


@router.post(
    "/{run_id}/step",
    responses={**_CHANGE_ERRORS, **_STORAGE_FULL},
    response_model=StepBatchPublic,
    dependencies=[RateLimited],
)
def step_run(
    run_id: str,
    service: ServiceDep,
    owner_token: OwnerTokenHeader = None,
    request: Annotated[StepRequest | None, Body()] = None,
) -> Response:
    """Apply `n` updates (`update_weights.run()` n times) and return what each did."""
    service.require_owner(run_id, owner_token)
    return as_json(step_batch_public(service.step(run_id, (request or StepRequest()).n)))


@router.post(
    "/{run_id}/reset",
    responses={
        404: _ERRORS[404],
        403: _CHANGE_ERRORS[403],
        429: _CHANGE_ERRORS[429],
        **_STORAGE_FULL,
    },
    response_model=RunPublic,
    dependencies=[RateLimited],
)
def reset_run(run_id: str, service: ServiceDep, owner_token: OwnerTokenHeader = None) -> Response:
    """Go back to step 0 with the same points and initial weights."""
    service.require_owner(run_id, owner_token)
    return as_json(run_public(service.reset(run_id)))


@router.post(
    "/{run_id}/fork",
    status_code=201,
    responses={
        404: _ERRORS[404],
        409: {"description": "The run was reset while it was being forked; fork again."},
        422: _ERRORS[422],
        429: _NEW_RUN_LIMITED,
        **_STORAGE_FULL,
    },
    response_model=RunCreated,
    dependencies=[NewRunLimited],
)
def fork_run(run_id: str, request: ForkRequest, service: ServiceDep) -> Response:
    """Continue from step `step` as a new run: the same data and settings, the history up to
    that step, and every variable (weights and the optimizer's slots) as it stood then.
    Anyone with the link may fork; the answer carries the fork's own `owner_token`."""
    view = service.fork(run_id, request.step)
    return as_json(run_created(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}/evaluate", responses=_ERRORS, response_model=CurrentPublic)
def evaluate_run(run_id: str, service: ServiceDep) -> Response:
    """Read the loss and the weights (`loss.eval()`, `weights.eval()`); nothing changes."""
    return as_json(current_public(service.evaluate(run_id)))


@router.get("/{run_id}/steps/{step}", responses=_ERRORS, response_model=StepDetailPublic)
def explain_step(run_id: str, step: int, inspector: InspectorDep) -> Response:
    """How step `step` changed the weights: the update with TensorFlow's numbers, each point's
    share of the gradient, and NumPy's independent check. One past the last step is the next
    update, before it runs."""
    return as_json(step_detail_public(inspector.step_detail(run_id, step)))


@router.get("/{run_id}/graph", responses={404: _ERRORS[404]}, response_model=GraphPublic)
def run_graph(run_id: str, inspector: InspectorDep) -> Response:
    """The nodes of the run's real tf.Graph: who wrote each, and what Evaluate and Step run."""
    return as_json(graph_public(inspector.graph(run_id)))


@router.get("/{run_id}/graph/value", responses=_ERRORS, response_model=NodeValuePublic)
def graph_node_value(
    run_id: str, inspector: InspectorDep, node: Annotated[str, Query(max_length=200)]
) -> Response:
    """The current value of one node, computed by the run's session."""
    return as_json(node_value_public(inspector.node_value(run_id, node)))


@router.get("/{run_id}/surface", responses=_ERRORS, response_model=LossSurfacePublic)
def loss_surface(
    run_id: str,
    inspector: InspectorDep,
    b_min: Annotated[QueryCoordinate, Query()],
    b_max: Annotated[QueryCoordinate, Query()],
    m_min: Annotated[QueryCoordinate, Query()],
    m_max: Annotated[QueryCoordinate, Query()],
    size: Annotated[int, Query(ge=2, le=MAX_SURFACE_SIZE)] = 60,
) -> Response:
    """The loss over a size × size grid of (b, m), computed by the run's session."""
    surface = inspector.loss_surface(run_id, (b_min, b_max), (m_min, m_max), size)
    return as_json(loss_surface_public(surface))


@router.get(
    "/{run_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`step` events, one per update, then one `end` event."},
        **_CHANGE_ERRORS,
    },
    dependencies=[RateLimited],
)
async def stream_run(
    run_id: str,
    service: ServiceDep,
    client: ClientDep,
    owner_token: OwnerTokenHeader = None,
    n: int = 50,
    interval_ms: Annotated[int, Query(ge=0, le=MAX_STREAM_INTERVAL_MS)] = 0,
) -> EventSourceResponse:
    """Apply up to `n` updates, sending each as an event as soon as it is stored.

    `interval_ms` paces the steps so a learner can watch them; closing the connection stops
    the computation. A server shutting down ends the stream with a `shutdown` event.
    """
    await run_in_threadpool(service.require_owner, run_id, owner_token)
    await run_in_threadpool(service.check_can_step, run_id, n)
    lease = service.open_stream(client)  # 429 if this client has its streams open already.
    # sse-starlette sets it when the server is told to stop (SIGTERM), then gives the stream
    # the grace period to end with its final event.
    shutdown = anyio.Event()
    return EventSourceResponse(
        _leased(lease, _step_events(service, run_id, n, interval_ms / 1000, shutdown)),
        ping=SSE_PING_SECONDS,
        shutdown_event=shutdown,
        shutdown_grace_period=STREAM_SHUTDOWN_GRACE_SECONDS,
        # A reader that stops reading (its buffers full) is dropped, and its stream ends.
        send_timeout=service.stream_send_timeout,
        # Also run when the body never starts (the client left first): the place is freed.
        background=BackgroundTask(lease.release),
    )


async def _leased(
    lease: StreamLease, events: AsyncIterator[ServerSentEvent]
) -> AsyncIterator[ServerSentEvent]:
    """The stream's events; its client's place is given back when they end, however."""
    try:
        async for event in events:
            yield event
    finally:
        lease.release()


async def _step_events(
    service: RunService, run_id: str, n: int, interval_seconds: float, shutdown: anyio.Event
) -> AsyncIterator[ServerSentEvent]:
    last_step: int | None = None
    diverged = False
    sent = 0
    try:
        async for outcome in service.stream(run_id, n, interval_seconds, stop=shutdown):
            last_step, diverged = outcome.record.step, outcome.record.diverged
            sent += 1
            yield ServerSentEvent(event="step", data=step_event(outcome).model_dump_json())
        if diverged:
            end = StreamEnd(reason="diverged", step=last_step, diverged=True)
        elif sent < n and shutdown.is_set():
            detail = "the server is shutting down; every step sent is stored, run again later"
            end = StreamEnd(reason="shutdown", step=last_step, diverged=False, detail=detail)
        else:
            end = StreamEnd(reason="completed", step=last_step, diverged=False)
    except ServerBusyError as error:
        end = StreamEnd(reason="busy", step=last_step, diverged=False, detail=str(error))
    except RunResetError as error:
        end = StreamEnd(reason="reset", step=last_step, diverged=False, detail=str(error))
    except StorageFullError as error:
        # Reason "error", whose detail the page shows (it would ignore a reason it does not know).
        end = StreamEnd(reason="error", step=last_step, diverged=False, detail=error.detail)
    except RunRequestError as error:
        # E.g. another tab diverged the run while this stream was going.
        end = StreamEnd(
            reason="error",
            step=last_step,
            diverged=isinstance(error, RunDivergedError),
            detail=str(error),
        )
    except Exception:
        logger.exception("stream of run %s failed", run_id)
        end = StreamEnd(
            reason="error", step=last_step, diverged=False, detail="internal server error"
        )
    yield ServerSentEvent(event="end", data=end.model_dump_json())
