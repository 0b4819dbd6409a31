"""From what the inspector found to the JSON of the inspection routes: a step explained, the
graph, a node's value, the loss surface."""

from typing import Any

import numpy as np

from app.api.presenters import finite_list, schedule_public, weights_public
from app.domain.graph import GraphView
from app.domain.readings import LossSurface
from app.domain.records import Weights
from app.reference.checks import UpdateCheck
from app.runs.inspector import NextUpdate, NodeReading, StepDetail
from app.schemas.inspection import (
    GraphNodePublic,
    GraphPublic,
    LossSurfacePublic,
    NextUpdatePublic,
    NodeValuePublic,
    PointShare,
    StepDetailPublic,
    UpdateCheckPublic,
)
from app.schemas.runs import WeightsPublic
from app.schemas.values import finite_or_none


def _variables_public(values: dict[str, Any] | None) -> dict[str, list[float | None]] | None:
    """Each variable flattened ([b, m] for weight-shaped ones), null where not finite."""
    if values is None:
        return None
    return {role: finite_list(np.ravel(value).tolist()) for role, value in values.items()}


def _check_public(check: UpdateCheck | None) -> UpdateCheckPublic | None:
    if check is None:
        return None
    weights_after = None
    if check.after is not None:
        b, m = check.after["weights"]
        weights_after = WeightsPublic.of(Weights(b=b, m=m))
    return UpdateCheckPublic(
        gradient=WeightsPublic.of(check.gradient),
        learning_rate=check.learning_rate,
        weights_after=weights_after,
        after=_variables_public(check.after),
        max_abs_difference=finite_or_none(check.max_abs_difference),
        max_rel_difference=finite_or_none(check.max_rel_difference),
        within_float32_rounding=check.within_float32_rounding,
    )


def _preview_public(preview: NextUpdate | None) -> NextUpdatePublic | None:
    if preview is None:
        return None
    return NextUpdatePublic(
        weights_after=WeightsPublic.of(preview.record.weights_after),
        loss_after=finite_or_none(preview.record.loss_after),
        variables_after=_variables_public(preview.variables_after) or {},
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
        learning_rate=detail.learning_rate,
        learning_rate_schedule=schedule_public(detail.spec.schedule),
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
        preview=_preview_public(detail.preview),
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
        loss=[finite_list(row) for row in surface.losses],
    )
