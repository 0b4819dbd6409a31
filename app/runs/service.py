"""What a learner does to a run: create, view, step, stream, evaluate and reset it.

Each operation computes with the run's live session, persists, and only then returns, so
nothing reaches a client that the store does not already hold.
"""

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import UTC, datetime

import anyio

from app.config import Settings
from app.runs.errors import (
    InvalidRunRequestError,
    RunDivergedError,
    RunNotFoundError,
    RunRequestError,
    RunResetError,
    StepNotFoundError,
)
from app.runs.registry import RunRegistry
from app.schemas import RunCreate
from app.store import Store, StoredRun, StoredStep
from app.training.csv_points import parse_points_csv
from app.training.curvature import Curvature, loss_curvature
from app.training.data import Dataset, InvalidDataError, sample_dataset, validated_dataset
from app.training.explain import closed_form_answer
from app.training.model import (
    Evaluation,
    LinearRegressionModel,
    StepOutcome,
)
from app.training.presets import preset_dataset
from app.training.records import StepRecord, Weights
from app.training.spec import TrainingSpec
from app.training.stability import Stability, stability

RUN_ID_BYTES = 16  # 128 bits: run ids cannot be guessed.
STREAM_CHUNK = 100  # Steps an unpaced stream computes per session call.


@dataclass(frozen=True)
class RunView:
    """A run with its full history and what its session reads now (None once diverged)."""

    run: StoredRun
    history: list[StepRecord]
    current: Evaluation | None
    stability: Stability

    @property
    def diverged_at(self) -> int | None:
        if self.history and self.history[-1].diverged:
            return self.history[-1].step
        return None


@dataclass(frozen=True)
class StepBatch:
    outcomes: list[StepOutcome]
    current: Evaluation | None


def _new_run_id() -> str:
    return secrets.token_urlsafe(RUN_ID_BYTES)


def dataset_of(run: StoredRun) -> Dataset:
    return validated_dataset(run.points_x, run.points_y)


def training_spec_of(run: StoredRun) -> TrainingSpec:
    return TrainingSpec.from_config(run.config)


def _training_spec(spec: RunCreate) -> TrainingSpec:
    return TrainingSpec(
        learning_rate=spec.learning_rate,
        seed=spec.seed,
        optimizer=spec.optimizer.name,
        optimizer_params=spec.optimizer.params(),
        loss=spec.loss,
        batch_size=spec.batch_size,
    )


def _run_stability(run: StoredRun) -> Stability:
    """The run's stable learning rates, from the curvature stored when it was created."""
    stored = run.config.get("curvature")
    if stored is None:  # Stored before curvature was kept: computed again (the data are fixed).
        curvature = loss_curvature(dataset_of(run), training_spec_of(run).loss)
    else:
        curvature = Curvature(smallest=stored[0], largest=stored[1])
    return stability(training_spec_of(run), curvature)


def refuse_if_diverged(model: LinearRegressionModel) -> None:
    """Raise RunDivergedError if the run's values overflowed: it must be reset first."""
    if model.diverged_at is not None:
        raise RunDivergedError(model.diverged_at)


def _evaluation_after(outcome: StepOutcome) -> Evaluation | None:
    """What `evaluate()` would read right after this step, taken from the step's own fetch."""
    record = outcome.record
    if record.diverged:
        return None
    return Evaluation(
        step=record.step,
        weights=record.weights_after,
        loss=record.loss_after,
        predictions=outcome.predictions,
    )


class RunService:
    """Runs kept in `store`, with their TensorFlow sessions cached in a registry."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        # A refused request leaves the session as it was, so the session is kept.
        self._registry = RunRegistry(
            settings.max_live_runs, self._load_model, keeps_session_on=RunRequestError
        )

    def close(self) -> None:
        self._registry.close_all()

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self._store.ping()

    def live_sessions(self) -> int:
        return self._registry.live_count()

    def create(self, spec: RunCreate) -> RunView:
        data = self._dataset_for(spec)
        training = _training_spec(spec)
        if training.batch_size is not None and training.batch_size > data.size:
            raise InvalidRunRequestError(
                f"batch_size: at most the number of points ({data.size}), got {training.batch_size}"
            )
        recipe = spec.points is None and spec.points_csv is None and spec.preset in (None, "sample")
        model = LinearRegressionModel(data, training)
        try:
            if spec.initial_weights is not None:
                model.set_weights(Weights(b=spec.initial_weights.b, m=spec.initial_weights.m))
            run = StoredRun(
                id=_new_run_id(),
                created_at=datetime.now(UTC),
                config={
                    **training.as_config(),
                    "num_points": data.size,
                    "noise": spec.noise if recipe else None,
                    "x_range": list(spec.x_range) if recipe else None,
                    "custom_points": not recipe,
                    "custom_initial_weights": spec.initial_weights is not None,
                    "preset": spec.preset,
                    "forked_from": None,
                    "curvature": astuple(loss_curvature(data, training.loss)),
                },
                points_x=data.x.tolist(),
                points_y=data.y.tolist(),
                initial_state=model.state(),
                answer=closed_form_answer(data),
            )
            current = model.evaluate()
            self._store.add_run(run)
        except BaseException:
            model.close()
            raise
        self._registry.add(run.id, model)
        return RunView(run=run, history=[], current=current, stability=_run_stability(run))

    def fork(self, run_id: str, step: int) -> RunView:
        """A new run with this run's data, settings and steps 1..`step`, continuing from the
        full state after `step` (weights and optimizer slots); the original is untouched."""
        run = self.require_run(run_id)
        with self.checkout(run_id):  # No step or reset may change the history while copying.
            last_step = self._store.last_step(run_id)
            last = last_step.step if last_step is not None else 0
            if not 0 <= step <= last:
                raise StepNotFoundError(step, last)
            if step > 0 and self._store.state_at(run_id, step) is None:
                raise InvalidRunRequestError(
                    f"step {step} overflowed, so there is no state to continue from; "
                    "fork from an earlier step"
                )
            fork = StoredRun(
                id=_new_run_id(),
                created_at=datetime.now(UTC),
                config={**run.config, "forked_from": {"run_id": run_id, "step": step}},
                points_x=run.points_x,
                points_y=run.points_y,
                initial_state=run.initial_state,
                answer=run.answer,
            )
            self._store.add_run(fork, steps_of=(run_id, step))
        # Its session is built from the stored state at `step`, as any evicted run is.
        return self.get(fork.id)

    def get(self, run_id: str) -> RunView:
        run = self.require_run(run_id)
        with self.checkout(run_id) as model:
            history = self._store.steps(run_id)
            diverged = bool(history) and history[-1].diverged
            current = None if diverged else model.evaluate()
        return RunView(run=run, history=history, current=current, stability=_run_stability(run))

    def check_can_step(self, run_id: str, n: int) -> None:
        """Raise the error a step of `n` updates would meet, without stepping."""
        self._check_step_count(n)
        with self.checkout(run_id) as model:
            refuse_if_diverged(model)

    def step(
        self,
        run_id: str,
        n: int,
        generation: int | None = None,
        every_prediction: bool = False,
    ) -> StepBatch:
        """Apply `n` updates (fewer if the run diverges), store them, then return them.

        With `generation`, refuse if the run has been reset since that generation. Each
        outcome carries its predictions if `every_prediction`, otherwise only the last.
        """
        self._check_step_count(n)
        with self.checkout(run_id) as model:
            if generation is not None and self._store.generation(run_id) != generation:
                raise RunResetError()
            refuse_if_diverged(model)
            # One update runs the learner's own update op; more run in one fused session call.
            outcomes = [model.step()] if n == 1 else model.run(n, every_prediction)
            self._store.add_steps(
                run_id,
                [StoredStep(o.record, None if o.record.diverged else o.state) for o in outcomes],
            )
        return StepBatch(outcomes=outcomes, current=_evaluation_after(outcomes[-1]))

    async def stream(
        self, run_id: str, n: int, interval_seconds: float
    ) -> AsyncIterator[StepOutcome]:
        """Yield up to `n` steps one at a time, each stored before it is yielded.

        Stops after a step that diverged, and with RunResetError if the run is reset meanwhile.
        If the consumer goes away, the step in progress finishes and is stored, and no further
        step is computed.
        """
        self._check_step_count(n)
        generation = await anyio.to_thread.run_sync(self._store.generation, run_id)
        if generation is None:
            raise RunNotFoundError(run_id)
        # A paced stream computes each step when it is due, so closing it stops at once;
        # an unpaced one computes chunks of steps in one session call each.
        chunk = 1 if interval_seconds > 0 else STREAM_CHUNK
        sent = 0
        due = anyio.current_time()
        while sent < n:
            batch = await anyio.to_thread.run_sync(
                self.step, run_id, min(chunk, n - sent), generation, True
            )
            for outcome in batch.outcomes:
                yield outcome
                sent += 1
                if outcome.record.diverged:
                    return
                if interval_seconds > 0 and sent < n:
                    # Steps are due every interval, however long each took to compute.
                    due += interval_seconds
                    await anyio.sleep(max(0.0, due - anyio.current_time()))

    def evaluate(self, run_id: str) -> Evaluation:
        """Read loss and weights as `loss.eval()` and `weights.eval()` do; nothing changes."""
        with self.checkout(run_id) as model:
            refuse_if_diverged(model)
            return model.evaluate()

    def reset(self, run_id: str) -> RunView:
        """Go back to step 0 with the same data and initial weights; the history is cleared."""
        run = self.require_run(run_id)
        with self.checkout(run_id) as model:
            self._store.reset_run(run_id)
            model.restore(run.initial_state)
            current = model.evaluate()
        return RunView(run=run, history=[], current=current, stability=_run_stability(run))

    def _dataset_for(self, spec: RunCreate) -> Dataset:
        limit = self._settings.max_points
        if spec.preset is not None and spec.preset != "sample":
            return preset_dataset(spec.preset, spec.seed)
        field = "points_csv" if spec.points_csv is not None else "points"
        try:
            if spec.points_csv is not None:
                return validated_dataset(*parse_points_csv(spec.points_csv, limit))
            if spec.points is not None:
                if len(spec.points) > limit:
                    raise InvalidDataError(
                        f"at most {limit} points per run, got {len(spec.points)}"
                    )
                return validated_dataset([p.x for p in spec.points], [p.y for p in spec.points])
        except InvalidDataError as error:
            raise InvalidRunRequestError(f"{field}: {error}") from error
        if spec.num_points > limit:
            raise InvalidRunRequestError(
                f"num_points: at most {limit} points per run, got {spec.num_points}"
            )
        return sample_dataset(spec.num_points, spec.noise, spec.x_range, spec.seed)

    def _check_step_count(self, n: int) -> None:
        limit = self._settings.max_steps_per_request
        if not 1 <= n <= limit:
            raise InvalidRunRequestError(f"n must be between 1 and {limit}, got {n}")

    @contextmanager
    def checkout(self, run_id: str) -> Iterator[LinearRegressionModel]:
        """Hold the run's lock and give its live model (see RunRegistry.checkout).

        An unknown run raises RunNotFoundError, from loading it.
        """
        with self._registry.checkout(run_id) as model:
            yield model

    def require_run(self, run_id: str) -> StoredRun:
        run = self._store.get_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def _load_model(self, run_id: str) -> LinearRegressionModel:
        """Rebuild a run's session from the store, at its last stored state."""
        run = self.require_run(run_id)
        model = LinearRegressionModel(dataset_of(run), training_spec_of(run))
        # A diverged run keeps no state to continue from; its session idles at the start.
        state = self._store.last_state(run_id)
        try:
            model.restore(state if state is not None else run.initial_state)
            last = self._store.last_step(run_id)
            if last is not None and last.diverged:
                model.diverged_at = last.step
        except BaseException:
            model.close()
            raise
        return model
