"""JSON routes for runs, and the server-sent event stream of steps.

Routes are plain `def` where they call TensorFlow, so FastAPI runs them in a worker thread and
the event loop never blocks on a session.
"""

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from app.api.deps import ExplainerDep, ServiceDep
from app.api.presenters import (
    as_json,
    current_public,
    graph_public,
    loss_surface_public,
    node_value_public,
    run_public,
    step_batch_public,
    step_detail_public,
    step_event,
)
from app.runs.errors import RunDivergedError, RunRequestError, RunResetError
from app.runs.service import RunService
from app.schemas import (
    CurrentPublic,
    ForkRequest,
    GraphPublic,
    LossSurfacePublic,
    NodeValuePublic,
    QueryCoordinate,
    RunCreate,
    RunPublic,
    StepBatchPublic,
    StepDetailPublic,
    StepRequest,
    StreamEnd,
)

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/runs", tags=["runs"])

MAX_STREAM_INTERVAL_MS = 1000
MAX_SURFACE_SIZE = 120
SSE_PING_SECONDS = 15

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No run with this id."},
    409: {"description": "The run diverged; reset it first."},
    422: {"description": "The request is invalid; `detail` says what to change."},
}


@router.post("", status_code=201, responses={422: _ERRORS[422]}, response_model=RunPublic)
def create_run(
    service: ServiceDep,
    response: Response,
    spec: Annotated[RunCreate | None, Body()] = None,
) -> Response:
    """Create a run; every setting left out is the sample program's."""
    view = service.create(spec or RunCreate())
    return as_json(run_public(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}", responses={404: _ERRORS[404]}, response_model=RunPublic)
def get_run(run_id: str, service: ServiceDep) -> Response:
    """The run's settings, points, closed-form answer and full step history."""
    return as_json(run_public(service.get(run_id)))


@router.post("/{run_id}/step", responses=_ERRORS, response_model=StepBatchPublic)
def step_run(
    run_id: str,
    service: ServiceDep,
    request: Annotated[StepRequest | None, Body()] = None,
) -> Response:
    """Apply `n` updates (`update_weights.run()` n times) and return what each did."""
    return as_json(step_batch_public(service.step(run_id, (request or StepRequest()).n)))


@router.post("/{run_id}/reset", responses={404: _ERRORS[404]}, response_model=RunPublic)
def reset_run(run_id: str, service: ServiceDep) -> Response:
    """Go back to step 0 with the same points and initial weights."""
    return as_json(run_public(service.reset(run_id)))


@router.post(
    "/{run_id}/fork",
    status_code=201,
    responses={404: {"description": "No such run or step."}, 422: _ERRORS[422]},
    response_model=RunPublic,
)
def fork_run(run_id: str, request: ForkRequest, service: ServiceDep) -> Response:
    """Continue from step `step` as a new run: the same data and settings, the history up to
    that step, and every variable (weights and the optimizer's slots) as it stood then."""
    view = service.fork(run_id, request.step)
    return as_json(run_public(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}/evaluate", responses=_ERRORS, response_model=CurrentPublic)
def evaluate_run(run_id: str, service: ServiceDep) -> Response:
    """Read the loss and the weights (`loss.eval()`, `weights.eval()`); nothing changes."""
    return as_json(current_public(service.evaluate(run_id)))


@router.get("/{run_id}/steps/{step}", responses=_ERRORS, response_model=StepDetailPublic)
def explain_step(run_id: str, step: int, explainer: ExplainerDep) -> Response:
    """How step `step` changed the weights: the update with TensorFlow's numbers, each point's
    share of the gradient, and NumPy's independent check. One past the last step is the next
    update, before it runs."""
    return as_json(step_detail_public(explainer.step_detail(run_id, step)))


@router.get("/{run_id}/graph", responses={404: _ERRORS[404]}, response_model=GraphPublic)
def run_graph(run_id: str, explainer: ExplainerDep) -> Response:
    """The nodes of the run's real tf.Graph: who wrote each, and what Evaluate and Step run."""
    return as_json(graph_public(explainer.graph(run_id)))


@router.get("/{run_id}/graph/value", responses=_ERRORS, response_model=NodeValuePublic)
def graph_node_value(
    run_id: str, explainer: ExplainerDep, node: Annotated[str, Query(max_length=200)]
) -> Response:
    """The current value of one node, computed by the run's session."""
    return as_json(node_value_public(explainer.node_value(run_id, node)))


@router.get("/{run_id}/surface", responses=_ERRORS, response_model=LossSurfacePublic)
def loss_surface(
    run_id: str,
    explainer: ExplainerDep,
    b_min: Annotated[QueryCoordinate, Query()],
    b_max: Annotated[QueryCoordinate, Query()],
    m_min: Annotated[QueryCoordinate, Query()],
    m_max: Annotated[QueryCoordinate, Query()],
    size: Annotated[int, Query(ge=2, le=MAX_SURFACE_SIZE)] = 60,
) -> Response:
    """The loss over a size × size grid of (b, m), computed by the run's session."""
    surface = explainer.loss_surface(run_id, (b_min, b_max), (m_min, m_max), size)
    return as_json(loss_surface_public(surface))


@router.get(
    "/{run_id}/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`step` events, one per update, then one `end` event."},
        **_ERRORS,
    },
)
async def stream_run(
    run_id: str,
    service: ServiceDep,
    n: int = 50,
    interval_ms: Annotated[int, Query(ge=0, le=MAX_STREAM_INTERVAL_MS)] = 0,
) -> EventSourceResponse:
    """Apply up to `n` updates, sending each as an event as soon as it is stored.

    `interval_ms` paces the steps so a learner can watch them; closing the connection stops
    the computation.
    """
    await run_in_threadpool(service.check_can_step, run_id, n)
    return EventSourceResponse(
        _step_events(service, run_id, n, interval_ms / 1000), ping=SSE_PING_SECONDS
    )


async def _step_events(
    service: RunService, run_id: str, n: int, interval_seconds: float
) -> AsyncIterator[ServerSentEvent]:
    last_step: int | None = None
    diverged = False
    try:
        async for outcome in service.stream(run_id, n, interval_seconds):
            last_step, diverged = outcome.record.step, outcome.record.diverged
            yield ServerSentEvent(event="step", data=step_event(outcome).model_dump_json())
        end = StreamEnd(
            reason="diverged" if diverged else "completed", step=last_step, diverged=diverged
        )
    except RunResetError as error:
        end = StreamEnd(reason="reset", step=last_step, diverged=False, detail=str(error))
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
