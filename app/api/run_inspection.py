"""Read-only views into a run's session: a step explained, its graph, node values, the loss
surface. Plain `def` routes: they call TensorFlow, so FastAPI runs them in a worker thread."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import InspectorDep
from app.api.inspection_presenters import (
    graph_public,
    loss_surface_public,
    node_value_public,
    step_detail_public,
)
from app.api.openapi_responses import ERRORS
from app.api.presenters import as_json
from app.schemas.inspection import (
    GraphPublic,
    LearningRatesPublic,
    LossSurfacePublic,
    NodeValuePublic,
    StepDetailPublic,
)
from app.schemas.values import MAX_STEP_NUMBER, QueryCoordinate

router = APIRouter(prefix="/api/runs", tags=["runs"])

MAX_SURFACE_SIZE = 120
MAX_RATES = 5000  # Steps of one answer: the chart of a long run asks a few pages.


@router.get("/{run_id}/steps/{step}", responses=ERRORS, response_model=StepDetailPublic)
def explain_step(run_id: str, step: int, inspector: InspectorDep) -> Response:
    """How step `step` changed the weights: the update with TensorFlow's numbers, each point's
    share of the gradient, and NumPy's independent check. One past the last step is the next
    update, before it runs: its `preview` is TensorFlow's own update, which the run's session
    makes and undoes, bit for bit."""
    return as_json(step_detail_public(inspector.step_detail(run_id, step)))


@router.get(
    "/{run_id}/learning-rates",
    responses={code: ERRORS[code] for code in (404, 422, 503)},
    response_model=LearningRatesPublic,
)
def learning_rates(
    run_id: str,
    inspector: InspectorDep,
    first: Annotated[int, Query(ge=1, le=MAX_STEP_NUMBER, description="The first step.")] = 1,
    count: Annotated[int, Query(ge=1, le=MAX_RATES)] = 100,
) -> Response:
    """The learning rate of each of `count` steps from `first`, applied or not: a schedule's
    value at each step's global step, computed by the run's session (the rate chart's)."""
    count = min(count, MAX_STEP_NUMBER - first + 1)
    rates = inspector.learning_rates(run_id, first, count)
    return as_json(LearningRatesPublic(first_step=first, learning_rates=rates))


@router.get("/{run_id}/graph", responses={404: ERRORS[404]}, response_model=GraphPublic)
def run_graph(run_id: str, inspector: InspectorDep) -> Response:
    """The nodes of the run's real tf.Graph: who wrote each, and what Evaluate and Step run."""
    return as_json(graph_public(inspector.graph(run_id)))


@router.get("/{run_id}/graph/value", responses=ERRORS, response_model=NodeValuePublic)
def graph_node_value(
    run_id: str, inspector: InspectorDep, node: Annotated[str, Query(max_length=200)]
) -> Response:
    """The current value of one node, computed by the run's session."""
    return as_json(node_value_public(inspector.node_value(run_id, node)))


@router.get("/{run_id}/surface", responses=ERRORS, response_model=LossSurfacePublic)
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
