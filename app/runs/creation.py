"""From a request to a new run: its data, its training spec, its locks, its shared graph and
the record the store keeps; and the record of a fork. The service stores them."""

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
from app.storage.stored import RunAttribution, StoredRun
from app.training.graph_cache import GraphCache
from app.training.model import LinearRegressionModel
from app.training.shared_graph import SharedGraph

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
        schedule=None
        if spec.learning_rate_schedule is None
        else spec.learning_rate_schedule.schedule(),
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
    try:
        return sample_dataset(spec.num_points, spec.noise, spec.x_range, spec.seed)
    except InvalidDataError as error:
        # A recipe's points all at one x (a range narrower than float32 tells apart, no
        # noise), or pushed past the coordinates' bound by the noise.
        raise InvalidRunRequestError(
            f"the sample's recipe makes points that cannot be used: {error}", field="x_range"
        ) from error


def refuse_batch_larger_than_data(training: TrainingSpec, data: Dataset) -> None:
    if training.batch_size is not None and training.batch_size > data.size:
        raise InvalidRunRequestError(
            f"at most the number of points ({data.size}), got {training.batch_size}",
            field="batch_size",
        )


def check_run_request(spec: RunCreate, max_points: int) -> None:
    """Refuse, as creating the run would, settings whose data or batches are wrong, without
    building its graph: an assignment's settings are checked so when the teacher makes it."""
    refuse_batch_larger_than_data(training_spec_for(spec), dataset_for(spec, max_points))


def default_run_inputs(max_points: int) -> tuple[Dataset, TrainingSpec]:
    """The data and settings of a run started with every default: the sample as it is."""
    defaults = RunCreate()
    return dataset_for(defaults, max_points), training_spec_for(defaults)


def new_stored_run(
    spec: RunCreate,
    data: Dataset,
    training: TrainingSpec,
    shared: SharedGraph,
    initial_state: VariableState,
    locks: Sequence[str],
    owner_hash: str,
    attribution: RunAttribution,
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
            curvature=shared.curvature,
            locks=tuple(dict.fromkeys(locks)),
        ),
        points_x=data.x.tolist(),
        points_y=data.y.tolist(),
        initial_state=initial_state,
        answer=closed_form_answer(data),
        owner_token_hash=owner_hash,
        attribution=attribution,
    )


def forked_run(
    source: StoredRun, step: int, owner_hash: str, attribution: RunAttribution
) -> StoredRun:
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
        attribution=attribution,
    )


@dataclass(frozen=True)
class NewRun:
    """A run built from a request, not stored yet: its record, the owner's token and the first
    evaluation, and its live model if one had to be made (which the caller must close if the
    run is not kept). A run that starts as its shared graph's sessions do needs none yet: its
    session is made when it is first used."""

    run: StoredRun
    model: LinearRegressionModel | None
    owner_token: str
    current: Evaluation


def build_new_run(
    spec: RunCreate,
    base: StoredRun | None,
    locks: Sequence[str],
    max_points: int,
    slots: ComputeSlots,
    graphs: GraphCache,
    attribution: RunAttribution,
) -> NewRun:
    """Build the run `spec` asks for; a run `based_on` a locked `base` inherits its locks and
    must keep its values of them (LockedSettingError)."""
    data = dataset_for(spec, max_points)
    training = training_spec_for(spec)
    refuse_batch_larger_than_data(training, data)
    inherited = base.config.locks if base is not None else ()
    all_locks = [*inherited, *locks]
    owner = new_owner_token()
    with slots.hold():  # Building a graph (for new settings) is the costly part.
        shared = graphs.get(data, training)
    # Every session of the graph starts from the same random_normal draw, read once: a run
    # that keeps it needs no session before its first step. Chosen weights are set in one.
    chosen = spec.initial_weights
    model = None
    if chosen is not None:
        with slots.hold():
            model = LinearRegressionModel(data, training, shared)
    try:
        if model is None or chosen is None:
            state, current = shared.initial_state, shared.initial_evaluation
        else:
            model.set_weights(Weights(b=chosen.b, m=chosen.m))
            state, current = model.state(), model.evaluate()
        run = new_stored_run(
            spec, data, training, shared, state, all_locks, owner.hash, attribution
        )
        if base is not None:
            check_locks(base, run)
        return NewRun(run=run, model=model, owner_token=owner.token, current=current)
    except BaseException:
        if model is not None:
            model.close()
        raise
