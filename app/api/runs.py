"""JSON routes that create, read, step, reset and fork runs.

Routes are plain `def` where they call TensorFlow, so FastAPI runs them in a worker thread and
the event loop never waits on a session; a step computes on the loop only what cannot wait.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response
from starlette.concurrency import run_in_threadpool

from app.api.clients import NewRunLimited
from app.api.deps import ServiceDep
from app.api.openapi_responses import CHANGE_ERRORS, ERRORS, NEW_RUN_LIMITED, STORAGE_FULL
from app.api.owned_run import OwnedRun
from app.api.presenters import (
    as_json,
    current_public,
    history_page_public,
    run_created,
    run_public,
    step_batch_public,
)
from app.runs.owners import OWNER_HEADER
from app.schemas.requests import ForkRequest, RunCreate, StepRequest
from app.schemas.runs import CurrentPublic, HistoryPage, RunCreated, RunPublic, StepBatchPublic
from app.schemas.values import MAX_STEP_NUMBER

router = APIRouter(prefix="/api/runs", tags=["runs"])

MAX_HISTORY_PAGE = 5000

# A new run made from another (a fork, or `based_on`) keeps that run's assignment; shown the
# other run's owner token, it keeps the student's display name too (app/runs/attribution.py).
SourceOwnerToken = Annotated[
    str | None,
    Header(
        alias=OWNER_HEADER,
        description="The owner token of the run this one is made from (the run forked, or "
        "`based_on`), if you hold it: the new run keeps its display name for the teacher's "
        "page. Optional; anyone may fork or build on a run they can see.",
    ),
]


@router.post(
    "",
    status_code=201,
    responses={422: ERRORS[422], 429: NEW_RUN_LIMITED, **STORAGE_FULL},
    response_model=RunCreated,
    dependencies=[NewRunLimited],
)
def create_run(
    service: ServiceDep,
    response: Response,
    spec: Annotated[RunCreate | None, Body()] = None,
    based_on_owner_token: SourceOwnerToken = None,
) -> Response:
    """Create a run; every setting left out is the sample program's. The answer carries the
    run's `owner_token`, needed to change it, once: keep it."""
    view = service.create(spec or RunCreate(), base_owner_token=based_on_owner_token)
    return as_json(run_created(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}", responses={404: ERRORS[404]}, response_model=RunPublic)
def get_run(run_id: str, service: ServiceDep) -> Response:
    """The run's settings, points, closed-form answer and step history (thinned when long:
    see `history_thinned`)."""
    return as_json(run_public(service.get(run_id)))


@router.get(
    "/{run_id}/history",
    responses={404: ERRORS[404], 422: ERRORS[422]},
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
    responses={**CHANGE_ERRORS, **STORAGE_FULL},
    response_model=StepBatchPublic,
)
async def step_run(
    run_id: OwnedRun,
    service: ServiceDep,
    request: Annotated[StepRequest | None, Body()] = None,
) -> Response:
    """Apply `n` updates (`update_weights.run()` n times) and return what each did."""
    n = (request or StepRequest()).n
    # On the event loop when nothing need be waited for (see RunService.step_now).
    batch = service.step_now(run_id, n)
    if batch is None:
        batch = await run_in_threadpool(service.step, run_id, n)
    return as_json(step_batch_public(batch))


@router.post(
    "/{run_id}/reset",
    responses={
        404: ERRORS[404],
        403: CHANGE_ERRORS[403],
        429: CHANGE_ERRORS[429],
        **STORAGE_FULL,
    },
    response_model=RunPublic,
)
def reset_run(run_id: OwnedRun, service: ServiceDep) -> Response:
    """Go back to step 0 with the same points and initial weights."""
    return as_json(run_public(service.reset(run_id)))


@router.post(
    "/{run_id}/fork",
    status_code=201,
    responses={
        404: ERRORS[404],
        409: {"description": "The run was reset while it was being forked; fork again."},
        422: ERRORS[422],
        429: NEW_RUN_LIMITED,
        **STORAGE_FULL,
    },
    response_model=RunCreated,
    dependencies=[NewRunLimited],
)
def fork_run(
    run_id: str,
    request: ForkRequest,
    service: ServiceDep,
    owner_token: SourceOwnerToken = None,
) -> Response:
    """Continue from step `step` as a new run: the same data and settings, the history up to
    that step, and every variable (weights and the optimizer's slots) as it stood then.
    Anyone with the link may fork; the answer carries the fork's own `owner_token`."""
    view = service.fork(run_id, request.step, owner_token=owner_token)
    return as_json(run_created(view), status_code=201, location=f"/api/runs/{view.run.id}")


@router.get("/{run_id}/evaluate", responses=ERRORS, response_model=CurrentPublic)
def evaluate_run(run_id: str, service: ServiceDep) -> Response:
    """Read the loss and the weights (`loss.eval()`, `weights.eval()`); nothing changes."""
    return as_json(current_public(service.evaluate(run_id)))
