"""From a request to a new run: its data, its training spec, its locks, its model and the
record the store keeps; and the record of a fork. The service stores them and keeps the model."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from app.domain.csv_points import parse_points_csv
from app.domain.data import Dataset, InvalidDataError, sample_dataset, validated_dataset
from app.domain.presets import preset_dataset
from app.domain.readings import Evaluation
from app.domain.records import VariableState, Weights
from app.domain.run_config import DataOrigin, RunConfig
from app.domain.spec import TrainingSpec
from app.reference.checks import closed_form_answer
from app.runs.errors import InvalidRunRequestError
from app.runs.limits import ComputeSlots
from app.runs.owners import new_owner_token
from app.runs.setting_locks import check_locks
from app.schemas.requests import RunCreate
from app.storage.stored import StoredRun
from app.training.curvature import loss_curvature
from app.training.model import LinearRegressionModel

RUN_ID_BYTES = 16  # 128 bits: run ids cannot be guessed.


def new_run_id() -> str:
    return secrets.token_urlsafe(RUN_ID_BYTES)


def training_spec_for(spec: RunCreate) -> TrainingSpec:
    return TrainingSpec(
        learning_rate=spec.learning_rate,
        seed=spec.seed,
        optimizer=spec.optimizer.name,
        optimizer_params=spec.optimizer.params(),
        loss=spec.loss,
        batch_size=spec.batch_size,
    )


def dataset_for(spec: RunCreate, max_points: int) -> Dataset:
    """The run's points: a preset, given points or CSV, or the sample's recipe; an error
    names the field that is wrong."""
    if spec.preset is not None and spec.preset != "sample":
        return preset_dataset(spec.preset, spec.seed)
    field = "points_csv" if spec.points_csv is not None else "points"
    try:
        if spec.points_csv is not None:
            return validated_dataset(*parse_points_csv(spec.points_csv, max_points))
        if spec.points is not None:
            if len(spec.points) > max_points:
                raise InvalidDataError(
                    f"at most {max_points} points per run, got {len(spec.points)}"
                )
            return validated_dataset([p.x for p in spec.points], [p.y for p in spec.points])
    except InvalidDataError as error:
        raise InvalidRunRequestError(str(error), field=field) from error
    if spec.num_points > max_points:
        raise InvalidRunRequestError(
            f"at most {max_points} points per run, got {spec.num_points}", field="num_points"
        )
    return sample_dataset(spec.num_points, spec.noise, spec.x_range, spec.seed)


def refuse_batch_larger_than_data(training: TrainingSpec, data: Dataset) -> None:
    if training.batch_size is not None and training.batch_size > data.size:
        raise InvalidRunRequestError(
            f"at most the number of points ({data.size}), got {training.batch_size}",
            field="batch_size",
        )


def new_stored_run(
    spec: RunCreate,
    data: Dataset,
    training: TrainingSpec,
    initial_state: VariableState,
    locks: Sequence[str],
    owner_hash: str,
) -> StoredRun:
    """The record of a new run, with its settings and data as the store keeps them."""
    recipe = spec.points is None and spec.points_csv is None and spec.preset in (None, "sample")
    return StoredRun(
        id=new_run_id(),
        created_at=datetime.now(UTC),
        config=RunConfig(
            training=training,
            data=DataOrigin(
                num_points=data.size,
                noise=spec.noise if recipe else None,
                x_range=spec.x_range if recipe else None,
                custom_points=not recipe,
                preset=spec.preset,
            ),
            custom_initial_weights=spec.initial_weights is not None,
            curvature=loss_curvature(data, training.loss),
            locks=tuple(dict.fromkeys(locks)),
        ),
        points_x=data.x.tolist(),
        points_y=data.y.tolist(),
        initial_state=initial_state,
        answer=closed_form_answer(data),
        owner_token_hash=owner_hash,
    )


def forked_run(source: StoredRun, step: int, owner_hash: str) -> StoredRun:
    """The record of a fork of `source` at `step`: the same data, settings and start."""
    return StoredRun(
        id=new_run_id(),
        created_at=datetime.now(UTC),
        config=source.config.forked(source.id, step),
        points_x=source.points_x,
        points_y=source.points_y,
        initial_state=source.initial_state,
        answer=source.answer,
        owner_token_hash=owner_hash,
    )


@dataclass(frozen=True)
class NewRun:
    """A run built from a request, not stored yet: its record, its live model (which the
    caller must close if the run is not kept), the owner's token and the first evaluation."""

    run: StoredRun
    model: LinearRegressionModel
    owner_token: str
    current: Evaluation


def build_new_run(
    spec: RunCreate,
    base: StoredRun | None,
    locks: Sequence[str],
    max_points: int,
    slots: ComputeSlots,
) -> NewRun:
    """Build the run `spec` asks for; a run `based_on` a locked `base` inherits its locks and
    must keep its values of them (LockedSettingError)."""
    data = dataset_for(spec, max_points)
    training = training_spec_for(spec)
    refuse_batch_larger_than_data(training, data)
    inherited = base.config.locks if base is not None else ()
    owner = new_owner_token()
    with slots.hold():  # Building a graph and its session is the costly part.
        model = LinearRegressionModel(data, training)
    try:
        if spec.initial_weights is not None:
            model.set_weights(Weights(b=spec.initial_weights.b, m=spec.initial_weights.m))
        run = new_stored_run(spec, data, training, model.state(), [*inherited, *locks], owner.hash)
        if base is not None:
            check_locks(base, run)
        return NewRun(run=run, model=model, owner_token=owner.token, current=model.evaluate())
    except BaseException:
        model.close()
        raise
