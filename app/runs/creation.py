"""From a request to a new run: its data, its training spec and the record the store keeps;
and the record of a fork. No session here: the service builds and keeps those."""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from app.domain.csv_points import parse_points_csv
from app.domain.data import Dataset, InvalidDataError, sample_dataset, validated_dataset
from app.domain.presets import preset_dataset
from app.domain.records import VariableState
from app.domain.run_config import DataOrigin, RunConfig
from app.domain.spec import TrainingSpec
from app.reference.checks import closed_form_answer
from app.runs.errors import InvalidRunRequestError
from app.schemas.requests import RunCreate
from app.storage.stored import StoredRun
from app.training.curvature import loss_curvature

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
