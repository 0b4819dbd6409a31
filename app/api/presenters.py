"""Turn the service's results into the API's response bodies."""

from collections.abc import Sequence

from fastapi import Response
from pydantic import BaseModel, TypeAdapter

from app.domain.readings import Evaluation, StepOutcome
from app.domain.records import StepRecord, Weights
from app.domain.run_config import RunConfig
from app.domain.schedules import LearningRateSchedule
from app.runs.views import RunView, StepBatch
from app.schemas.runs import (
    CurrentPublic,
    ForkOriginPublic,
    HistoryPage,
    PointsPublic,
    RunConfigPublic,
    RunCreated,
    RunPublic,
    SchedulePublic,
    StabilityPublic,
    StepBatchPublic,
    StepEvent,
    StepPublic,
    WeightsPublic,
    step_fields,
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


def schedule_public(schedule: LearningRateSchedule | None) -> SchedulePublic | None:
    return None if schedule is None else SchedulePublic(name=schedule.name, params=schedule.params)


def run_page_path(run_id: str) -> str:
    return f"/runs/{run_id}"


def weights_public(weights: Weights | None) -> WeightsPublic | None:
    return None if weights is None else WeightsPublic.of(weights)


def current_public(evaluation: Evaluation) -> CurrentPublic:
    return CurrentPublic(
        step=evaluation.step,
        weights=WeightsPublic.of(evaluation.weights),
        loss=finite_or_none(evaluation.loss),
        predictions=finite_list(evaluation.predictions),
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
        learning_rate_schedule=schedule_public(training.schedule),
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
        assignment_id=run.attribution.assignment_id,
        display_name=run.attribution.display_name,
    )


def history_page_public(records: list[StepRecord], limit: int) -> HistoryPage:
    """A page of `limit` steps at most; a full page may have more after it."""
    next_after = records[-1].step if len(records) == limit else None
    return HistoryPage.model_validate(
        {"records": [step_fields(r) for r in records], "next_after": next_after}
    )


def run_created(view: RunView) -> RunCreated:
    """The new run with its owner token, which only this answer carries."""
    assert view.owner_token is not None, "only a run just created or forked has a token"
    return RunCreated(**dict(run_public(view)), owner_token=view.owner_token)


def step_batch_public(batch: StepBatch) -> StepBatchPublic:
    return StepBatchPublic.model_validate(
        {
            "records": [step_fields(outcome.record) for outcome in batch.outcomes],
            "current": None if batch.current is None else current_public(batch.current),
            "diverged": batch.outcomes[-1].record.diverged,
        }
    )


# A stream's chunk of steps is validated in one call into pydantic rather than one a step.
_STEP_EVENTS = TypeAdapter(list[StepEvent])


def step_events_json(outcomes: Sequence[StepOutcome]) -> list[bytes]:
    """Each outcome's streamed `step` event as compact JSON, in order."""
    events = _STEP_EVENTS.validate_python(
        [
            {**step_fields(outcome.record), "predictions": finite_list(outcome.predictions)}
            for outcome in outcomes
        ]
    )
    return [StepEvent.__pydantic_serializer__.to_json(event) for event in events]


def finite_list(values: list[float]) -> list[float | None]:
    return [finite_or_none(v) for v in values]
