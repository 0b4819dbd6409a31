"""Turn the service's results into the API's response bodies."""

from typing import Any

import numpy as np
from fastapi import Response
from pydantic import BaseModel

from app.domain.graph import GraphView
from app.domain.readings import Evaluation, LossSurface, StepOutcome
from app.domain.records import StepRecord, Weights
from app.domain.run_config import RunConfig
from app.reference.checks import UpdateCheck
from app.runs.inspector import NodeReading, StepDetail
from app.runs.views import RunView, StepBatch
from app.schemas.inspection import (
    GraphNodePublic,
    GraphPublic,
    LossSurfacePublic,
    NodeValuePublic,
    PointShare,
    StepDetailPublic,
    UpdateCheckPublic,
)
from app.schemas.runs import (
    CurrentPublic,
    ForkOriginPublic,
    HistoryPage,
    PointsPublic,
    RunConfigPublic,
    RunCreated,
    RunPublic,
    StabilityPublic,
    StepBatchPublic,
    StepEvent,
    StepPublic,
    WeightsPublic,
)
from app.schemas.values import finite_or_none


def as_json(body: BaseModel, status_code: int = 200, location: str | None = None) -> Response:
    """Serialise a response body once, in pydantic's own encoder.

    Returning the model itself would make FastAPI validate it again and encode it twice;
    the routes still declare their `response_model`, so the documentation is unchanged.
    """
    headers = {"Location": location} if location else None
    return Response(
        body.model_dump_json(), status_code, headers=headers, media_type="application/json"
    )


def run_page_path(run_id: str) -> str:
    return f"/runs/{run_id}"


def weights_public(weights: Weights | None) -> WeightsPublic | None:
    return None if weights is None else WeightsPublic.of(weights)


def current_public(evaluation: Evaluation) -> CurrentPublic:
    return CurrentPublic(
        step=evaluation.step,
        weights=WeightsPublic.of(evaluation.weights),
        loss=finite_or_none(evaluation.loss),
        predictions=_finite_list(evaluation.predictions),
    )


def stability_public(view: RunView) -> StabilityPublic:
    found = view.stability
    return StabilityPublic(
        hessian_eigenvalues=(found.curvature.smallest, found.curvature.largest),
        max_stable_learning_rate=found.max_stable_learning_rate,
        gradient_descent_limit=found.gradient_descent_limit,
        suggested_learning_rate=found.suggested_learning_rate,
    )


def run_config_public(config: RunConfig) -> RunConfigPublic:
    training, data, origin = config.training, config.data, config.forked_from
    return RunConfigPublic(
        learning_rate=training.learning_rate,
        seed=training.seed,
        num_points=data.num_points,
        noise=data.noise,
        x_range=data.x_range,
        custom_points=data.custom_points,
        custom_initial_weights=config.custom_initial_weights,
        optimizer=training.optimizer,
        optimizer_params=training.params(),
        loss=training.loss,
        batch_size=training.batch_size,
        preset=data.preset,
        forked_from=None
        if origin is None
        else ForkOriginPublic(run_id=origin.run_id, step=origin.step),
        locks=list(config.locks),
    )


def run_public(view: RunView) -> RunPublic:
    run = view.run
    initial = run.initial_state["weights"]
    return RunPublic(
        id=run.id,
        url=run_page_path(run.id),
        created_at=run.created_at,
        config=run_config_public(run.config),
        points=PointsPublic(x=run.points_x, y=run.points_y),
        answer=WeightsPublic.of(run.answer),
        initial_weights=WeightsPublic.of(Weights(b=initial[0][0], m=initial[1][0])),
        steps=view.history.last,
        history=[StepPublic.of(record) for record in view.history.records],
        history_thinned=view.history.thinned,
        current=None if view.current is None else current_public(view.current),
        diverged=view.diverged_at is not None,
        diverged_at=view.diverged_at,
        stability=stability_public(view),
        owned=run.owner_token_hash is not None,
    )


def history_page_public(records: list[StepRecord], limit: int) -> HistoryPage:
    """A page of `limit` steps at most; a full page may have more after it."""
    next_after = records[-1].step if len(records) == limit else None
    return HistoryPage(records=[StepPublic.of(r) for r in records], next_after=next_after)


def run_created(view: RunView) -> RunCreated:
    """The new run with its owner token, which only this answer carries."""
    assert view.owner_token is not None, "only a run just created or forked has a token"
    return RunCreated(**dict(run_public(view)), owner_token=view.owner_token)


def step_batch_public(batch: StepBatch) -> StepBatchPublic:
    return StepBatchPublic(
        records=[StepPublic.of(outcome.record) for outcome in batch.outcomes],
        current=None if batch.current is None else current_public(batch.current),
        diverged=batch.outcomes[-1].record.diverged,
    )


def step_event(outcome: StepOutcome) -> StepEvent:
    return StepEvent(
        **StepPublic.of(outcome.record).model_dump(),
        predictions=_finite_list(outcome.predictions),
    )


def _finite_list(values: list[float]) -> list[float | None]:
    return [finite_or_none(v) for v in values]


def _variables_public(values: dict[str, Any] | None) -> dict[str, list[float | None]] | None:
    """Each variable flattened ([b, m] for weight-shaped ones), null where not finite."""
    if values is None:
        return None
    return {role: _finite_list(np.ravel(value).tolist()) for role, value in values.items()}


def _check_public(check: UpdateCheck | None) -> UpdateCheckPublic | None:
    if check is None:
        return None
    weights_after = None
    if check.after is not None:
        b, m = check.after["weights"]
        weights_after = WeightsPublic.of(Weights(b=b, m=m))
    return UpdateCheckPublic(
        gradient=WeightsPublic.of(check.gradient),
        weights_after=weights_after,
        after=_variables_public(check.after),
        max_abs_difference=finite_or_none(check.max_abs_difference),
        max_rel_difference=finite_or_none(check.max_rel_difference),
        within_float32_rounding=check.within_float32_rounding,
    )


def step_detail_public(detail: StepDetail) -> StepDetailPublic:
    record, breakdown = detail.record, detail.breakdown
    points = []
    in_batch = set(range(len(detail.points_x)) if detail.batch is None else detail.batch)
    if breakdown is not None:
        points = [
            PointShare(
                x=x,
                y=y,
                prediction=finite_or_none(prediction),
                residual=finite_or_none(residual),
                contribution_b=finite_or_none(share_b),
                contribution_m=finite_or_none(share_m),
                in_batch=index in in_batch,
            )
            for index, (x, y, prediction, residual, share_b, share_m) in enumerate(
                zip(
                    detail.points_x,
                    detail.points_y,
                    breakdown.predictions,
                    breakdown.residuals,
                    breakdown.contributions_b,
                    breakdown.contributions_m,
                    strict=True,
                )
            )
        ]
    gradient: Weights | None = None
    loss_before: float | None = None
    if record is not None:
        gradient, loss_before = record.gradient, record.loss_before
    elif breakdown is not None:
        gradient, loss_before = breakdown.gradient, breakdown.loss
    return StepDetailPublic(
        step=detail.step,
        applied=record is not None,
        learning_rate=detail.spec.learning_rate,
        optimizer=detail.spec.optimizer,
        optimizer_params=detail.spec.params(),
        loss=detail.spec.loss,
        batch=detail.batch,
        variables_before=_variables_public(detail.variables_before),
        variables_after=_variables_public(detail.variables_after),
        weights_before=WeightsPublic.of(detail.weights_before),
        gradient=weights_public(gradient),
        weights_after=None if record is None else WeightsPublic.of(record.weights_after),
        loss_before=None if loss_before is None else finite_or_none(loss_before),
        loss_after=None if record is None else finite_or_none(record.loss_after),
        points=points,
        check=_check_public(detail.check),
    )


def graph_public(view: GraphView) -> GraphPublic:
    return GraphPublic(nodes=[GraphNodePublic.model_validate(node) for node in view.nodes])


def _json_values(value: np.ndarray) -> Any:
    """Nested lists of the array's values, with null for values that are not finite."""
    if np.issubdtype(value.dtype, np.floating):
        cleaned = value.astype(object)
        cleaned[~np.isfinite(value)] = None
        return cleaned.tolist()
    return value.tolist()


def node_value_public(reading: NodeReading) -> NodeValuePublic:
    return NodeValuePublic(
        node=reading.node.name,
        op=reading.node.op,
        dtype=str(reading.value.dtype),
        shape=list(reading.value.shape),
        value=_json_values(reading.value),
    )


def loss_surface_public(surface: LossSurface) -> LossSurfacePublic:
    return LossSurfacePublic(
        b=surface.b_values,
        m=surface.m_values,
        loss=[_finite_list(row) for row in surface.losses],
    )
