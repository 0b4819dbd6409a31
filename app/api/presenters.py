"""Turn the service's results into the API's response bodies."""

from app.runs.service import RunView, StepBatch
from app.schemas import (
    CurrentPublic,
    PointsPublic,
    RunConfigPublic,
    RunPublic,
    StepBatchPublic,
    StepEvent,
    StepPublic,
    WeightsPublic,
    finite_or_none,
)
from app.training.model import Evaluation, StepOutcome
from app.training.records import Weights


def run_page_path(run_id: str) -> str:
    return f"/runs/{run_id}"


def current_public(evaluation: Evaluation | None) -> CurrentPublic | None:
    if evaluation is None:
        return None
    return CurrentPublic(
        step=evaluation.step,
        weights=WeightsPublic.of(evaluation.weights),
        loss=finite_or_none(evaluation.loss),
        predictions=[finite_or_none(p) for p in evaluation.predictions],
    )


def run_public(view: RunView) -> RunPublic:
    run = view.run
    initial = run.initial_state["weights"]
    return RunPublic(
        id=run.id,
        url=run_page_path(run.id),
        created_at=run.created_at,
        config=RunConfigPublic.model_validate(run.config),
        points=PointsPublic(x=run.points_x, y=run.points_y),
        answer=WeightsPublic.of(run.answer),
        initial_weights=WeightsPublic.of(Weights(b=initial[0][0], m=initial[1][0])),
        history=[StepPublic.of(record) for record in view.history],
        current=current_public(view.current),
        diverged=view.diverged_at is not None,
        diverged_at=view.diverged_at,
    )


def step_batch_public(batch: StepBatch) -> StepBatchPublic:
    return StepBatchPublic(
        records=[StepPublic.of(outcome.record) for outcome in batch.outcomes],
        current=current_public(batch.current),
        diverged=batch.outcomes[-1].record.diverged,
    )


def step_event(outcome: StepOutcome) -> StepEvent:
    return StepEvent(
        **StepPublic.of(outcome.record).model_dump(),
        predictions=[finite_or_none(p) for p in outcome.predictions],
    )
