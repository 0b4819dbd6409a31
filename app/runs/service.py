"""What a learner does to a run: create, view, step, stream and reset it.

Each operation computes with the run's live session, persists, and only then returns, so
nothing reaches a client that the store does not already hold.
"""

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import numpy as np

from app.config import Settings
from app.runs.errors import (
    InvalidRunRequestError,
    NodeNotFoundError,
    RunDivergedError,
    RunNotFoundError,
    RunRequestError,
    RunResetError,
    StepNotFoundError,
)
from app.runs.registry import RunRegistry
from app.schemas import RunCreate
from app.store import Store, StoredRun, StoredStep
from app.training.data import Dataset, InvalidDataError, sample_dataset, validated_dataset
from app.training.explain import UpdateCheck, check_update, closed_form_answer
from app.training.graph_view import GraphNode, GraphView, Unreadable
from app.training.model import (
    Breakdown,
    Evaluation,
    LinearRegressionModel,
    LossSurface,
    StepOutcome,
)
from app.training.records import StepRecord, Weights

RUN_ID_BYTES = 16  # 128 bits: run ids cannot be guessed.


@dataclass(frozen=True)
class RunView:
    """A run with its full history and what its session reads now (None once diverged)."""

    run: StoredRun
    history: list[StepRecord]
    current: Evaluation | None

    @property
    def diverged_at(self) -> int | None:
        if self.history and self.history[-1].diverged:
            return self.history[-1].step
        return None


@dataclass(frozen=True)
class StepDetail:
    """Step `step` explained: its record (None for the next, unapplied step), the gradient at
    its starting weights point by point, and NumPy's check of its arithmetic.

    `breakdown` and `check` are None when the starting weights had overflowed.
    """

    step: int
    learning_rate: float
    weights_before: Weights
    record: StepRecord | None
    breakdown: Breakdown | None
    check: UpdateCheck | None
    points_x: list[float]
    points_y: list[float]


@dataclass(frozen=True)
class NodeReading:
    node: GraphNode
    value: np.ndarray


@dataclass(frozen=True)
class StepBatch:
    outcomes: list[StepOutcome]
    current: Evaluation | None


_UNREADABLE: dict[Unreadable, str] = {
    "no_output": "it groups other ops and has no value of its own",
    "handle": "it is a handle to a resource, not a value",
    "needs_feed": "it needs a value fed in to run",
    "changes_run": "running it would change the run (it assigns or updates a variable)",
    "random": "it draws new random numbers each time it runs",
}


def _new_run_id() -> str:
    return secrets.token_urlsafe(RUN_ID_BYTES)


def _dataset_of(run: StoredRun) -> Dataset:
    return validated_dataset(run.points_x, run.points_y)


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
        model = LinearRegressionModel(data, spec.learning_rate, spec.seed)
        try:
            if spec.initial_weights is not None:
                model.set_weights(Weights(b=spec.initial_weights.b, m=spec.initial_weights.m))
            run = StoredRun(
                id=_new_run_id(),
                created_at=datetime.now(UTC),
                config={
                    "learning_rate": spec.learning_rate,
                    "seed": spec.seed,
                    "num_points": data.size,
                    "noise": None if spec.points else spec.noise,
                    "x_range": None if spec.points else list(spec.x_range),
                    "custom_points": spec.points is not None,
                    "custom_initial_weights": spec.initial_weights is not None,
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
        return RunView(run=run, history=[], current=current)

    def get(self, run_id: str) -> RunView:
        run = self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            history = self._store.steps(run_id)
            diverged = bool(history) and history[-1].diverged
            current = None if diverged else model.evaluate()
        return RunView(run=run, history=history, current=current)

    def check_can_step(self, run_id: str, n: int) -> None:
        """Raise the error a step of `n` updates would meet, without stepping."""
        self._check_step_count(n)
        self._require_run(run_id)
        self._refuse_if_diverged(run_id)

    def step(self, run_id: str, n: int, generation: int | None = None) -> StepBatch:
        """Apply `n` updates (fewer if the run diverges), store them, then return them.

        With `generation`, refuse if the run has been reset since that generation.
        """
        self._check_step_count(n)
        self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            if generation is not None and self._require_run(run_id).generation != generation:
                raise RunResetError()
            self._refuse_if_diverged(run_id)
            outcomes: list[StepOutcome] = []
            for _ in range(n):
                outcome = model.step()
                outcomes.append(outcome)
                if outcome.record.diverged:
                    break
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
        run = await anyio.to_thread.run_sync(self._require_run, run_id)
        for index in range(n):
            batch = await anyio.to_thread.run_sync(self.step, run_id, 1, run.generation)
            outcome = batch.outcomes[0]
            yield outcome
            if outcome.record.diverged:
                return
            if interval_seconds > 0 and index < n - 1:
                await anyio.sleep(interval_seconds)

    def evaluate(self, run_id: str) -> Evaluation:
        """Read loss and weights as `loss.eval()` and `weights.eval()` do; nothing changes."""
        self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            self._refuse_if_diverged(run_id)
            return model.evaluate()

    def step_detail(self, run_id: str, step: int) -> StepDetail:
        """Explain stored step `step`, or the next step (one past the last) before it runs."""
        run = self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            latest = self._store.latest_step(run_id)
            last = latest.step if latest is not None else 0
            if not 1 <= step <= last + 1:
                raise StepNotFoundError(step, last)
            record = self._store.get_step(run_id, step) if step <= last else None
            if record is None:
                self._refuse_if_diverged(run_id)
                weights_before = model.evaluate().weights
            else:
                weights_before = record.weights_before
            breakdown = model.explain(weights_before) if weights_before.is_finite() else None
        check = None
        if breakdown is not None:
            check = check_update(
                _dataset_of(run),
                weights_before,
                model.learning_rate,
                record.gradient if record is not None else breakdown.gradient,
                record.weights_after if record is not None else None,
            )
        return StepDetail(
            step=step,
            learning_rate=model.learning_rate,
            weights_before=weights_before,
            record=record,
            breakdown=breakdown,
            check=check,
            points_x=run.points_x,
            points_y=run.points_y,
        )

    def graph(self, run_id: str) -> GraphView:
        self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            return model.graph_view

    def node_value(self, run_id: str, name: str) -> NodeReading:
        """The current value of one node of the run's graph, computed by its session."""
        self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            nodes = {node.name: node for node in model.graph_view.nodes}
            if name not in nodes:
                raise NodeNotFoundError(name)
            node = nodes[name]
            if node.unreadable is not None:
                reason = _UNREADABLE[node.unreadable]
                raise InvalidRunRequestError(
                    f"node {name!r} ({node.op}) has no value to show: {reason}"
                )
            self._refuse_if_diverged(run_id)
            return NodeReading(node=nodes[name], value=model.read_node(name))

    def loss_surface(
        self, run_id: str, b_range: tuple[float, float], m_range: tuple[float, float], size: int
    ) -> LossSurface:
        """The loss on a `size` × `size` grid of (b, m), computed by the run's session."""
        for name, (low, high) in (("b", b_range), ("m", m_range)):
            if not low < high:
                raise InvalidRunRequestError(f"{name}_min must be less than {name}_max")
        self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            return model.loss_surface(np.linspace(*b_range, size), np.linspace(*m_range, size))

    def reset(self, run_id: str) -> RunView:
        """Go back to step 0 with the same data and initial weights; the history is cleared."""
        run = self._require_run(run_id)
        with self._registry.checkout(run_id) as model:
            self._store.reset_run(run_id)
            model.restore(run.initial_state)
            current = model.evaluate()
        return RunView(run=run, history=[], current=current)

    def _dataset_for(self, spec: RunCreate) -> Dataset:
        count = len(spec.points) if spec.points is not None else spec.num_points
        if count > self._settings.max_points:
            field = "points" if spec.points is not None else "num_points"
            raise InvalidRunRequestError(
                f"{field}: at most {self._settings.max_points} points per run, got {count}"
            )
        try:
            if spec.points is not None:
                return validated_dataset([p.x for p in spec.points], [p.y for p in spec.points])
            return sample_dataset(spec.num_points, spec.noise, spec.x_range, spec.seed)
        except InvalidDataError as error:
            raise InvalidRunRequestError(f"points: {error}") from error

    def _check_step_count(self, n: int) -> None:
        limit = self._settings.max_steps_per_request
        if not 1 <= n <= limit:
            raise InvalidRunRequestError(f"n must be between 1 and {limit}, got {n}")

    def _require_run(self, run_id: str) -> StoredRun:
        run = self._store.get_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def _refuse_if_diverged(self, run_id: str) -> None:
        latest = self._store.latest_step(run_id)
        if latest is not None and latest.diverged:
            raise RunDivergedError(latest.step)

    def _load_model(self, run_id: str) -> LinearRegressionModel:
        """Rebuild a run's session from the store, at its last stored state."""
        run = self._require_run(run_id)
        model = LinearRegressionModel(
            _dataset_of(run), run.config["learning_rate"], run.config["seed"]
        )
        latest = self._store.latest_step(run_id)
        # A diverged run keeps no state to continue from; its session idles at the start.
        state = latest.state if latest is not None and latest.state is not None else None
        try:
            model.restore(state if state is not None else run.initial_state)
        except BaseException:
            model.close()
            raise
        return model
