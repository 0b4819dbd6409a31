"""What a learner does to a run: create, view, step, stream, evaluate and reset it.

Each operation computes with the run's live session, persists, and only then returns, so
nothing reaches a client that the store does not already hold.
"""

import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import astuple, dataclass, replace
from datetime import UTC, datetime

import anyio

from app.config import Settings
from app.runs.coherence import Position, SessionPositions
from app.runs.errors import (
    InvalidRunRequestError,
    NotOwnerError,
    RunBusyError,
    RunChangedError,
    RunContendedError,
    RunDivergedError,
    RunFullError,
    RunNotFoundError,
    RunRequestError,
    RunResetError,
    ServerBusyError,
)
from app.runs.history import HistoryReader, HistorySummary
from app.runs.limits import (
    Client,
    ClientCreateLimiter,
    ComputeSlots,
    RateLimiter,
    StreamLease,
    StreamSlots,
)
from app.runs.locks import check_locks, locks_of
from app.runs.owners import may_change, new_owner_token
from app.runs.registry import RunRegistry
from app.runs.run_locks import RUN_LOCK_WAIT_SECONDS, RunLocks
from app.schemas import RunCreate
from app.store import ForkSourceChangedError, RunOwner, RunSummary, Store, StoredRun, StoredStep
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
OWNER_CACHE_SIZE = 10_000  # Run owners remembered per process (a few MiB at most).
# When another process stores a run's next steps first, the loser catches up and computes
# again, this many times at most. It pauses first, for a random time that grows with each
# attempt, so that two processes stepping one run in lockstep fall out of it, and catches up
# after the pause, so that it computes from the freshest state. On PostgreSQL the run's lock
# (app.runs.run_locks) keeps processes from computing one run at once, so this is a safety net
# that does not trigger; on SQLite (one process) only tests run two processes.
STORE_ATTEMPTS = 8
STORE_RETRY_PAUSE_SECONDS = 0.002
# A stream that finds every computation slot taken, or its run being computed by another
# process, waits and tries again, rather than failing mid-way, for up to this long; then it
# ends with ServerBusyError (reason `busy`).
STREAM_SLOT_WAIT_SECONDS = 10.0
STREAM_SLOT_POLL_SECONDS = 0.05
# Each try of a stream waits this long at most for another process to finish with the run,
# so that a stream told to stop (the server is shutting down) ends within its grace period.
STREAM_LOCK_WAIT_SECONDS = 1.0


@dataclass(frozen=True)
class RunView:
    """A run with its history (thinned if long) and what its session reads now (None once
    diverged)."""

    run: StoredRun
    history: HistorySummary
    current: Evaluation | None
    stability: Stability
    # Only in the answer that created the run: the store keeps nothing but its hash.
    owner_token: str | None = None

    @property
    def diverged_at(self) -> int | None:
        records = self.history.records
        if records and records[-1].diverged:
            return records[-1].step
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


def refuse_if_full(model: LinearRegressionModel, n: int, limit: int) -> None:
    """Raise RunFullError if `n` more steps would take the run past `limit` steps."""
    if model.steps_done + n > limit:
        raise RunFullError(model.steps_done, limit)


async def _sleep_unless_stopped(seconds: float, stop: anyio.Event | None) -> bool:
    """Sleep `seconds`, waking early once `stop` is set; return whether it is set."""
    if stop is None:
        await anyio.sleep(seconds)
        return False
    with anyio.move_on_after(seconds):
        await stop.wait()
    return stop.is_set()


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
        self._owners: OrderedDict[str, RunOwner] = OrderedDict()
        self._owners_lock = threading.Lock()
        self._slots = ComputeSlots(
            settings.max_concurrent_computations, settings.compute_wait_seconds
        )
        self._rate = RateLimiter(settings.run_rate_limit)
        self._creates = ClientCreateLimiter(
            settings.create_rate_limit, settings.create_rate_limit_per_address
        )
        self._streams = StreamSlots(
            settings.max_streams_per_client, settings.max_streams_per_address
        )
        # Where each live session stands in the store, which other processes may also change.
        self._positions = SessionPositions(store)
        # One process at a time computes a run (on PostgreSQL; nothing on SQLite).
        self._run_locks = RunLocks(settings.resolved_database_url())
        self.history = HistoryReader(store)
        # A refused request leaves the session as it was, so the session is kept. Every use
        # of a session holds a computation slot.
        self._registry = RunRegistry(
            settings.max_live_runs,
            self._load_model,
            keeps_session_on=RunRequestError,
            admit=self._slots.hold,
            require=self._require_stored,
        )

    def close(self) -> None:
        self._registry.close_all()
        self._run_locks.close()

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self._store.ping()

    def live_sessions(self) -> int:
        return self._registry.live_count()

    def close_idle_sessions(self) -> int:
        """Close the sessions unused for `idle_session_seconds`; return how many."""
        return self._registry.close_idle(self._settings.idle_session_seconds)

    def count_change(self, run_id: str, owner_token: str | None) -> None:
        """Count a step, stream or reset request against the run's rate limit.

        Counted per run and owner token, never per address (a class shares one): requests
        with a wrong token, refused anyway, cannot use up the owner's allowance.
        """
        self._rate.hit(run_id, owner_token or "")

    def count_new_run(self, client: Client) -> None:
        """Count a new run or fork against the client's allowance (CreateRateLimitedError)."""
        self._creates.hit(client)

    @property
    def stream_send_timeout(self) -> float:
        return self._settings.stream_send_timeout_seconds

    def open_stream(self, client: Client) -> StreamLease:
        """A place for one more open stream of `client` (TooManyStreamsError if none)."""
        return self._streams.take(client)

    def create(self, spec: RunCreate, locks: Sequence[str] = ()) -> RunView:
        """Create a run owned by whoever receives the answer's token.

        `locks` lists settings a teacher's assignment keeps; a run `spec.based_on` a locked run
        inherits its locks and must keep its values of them.
        """
        base = self._base_run(spec.based_on)
        data = self._dataset_for(spec)
        training = _training_spec(spec)
        if training.batch_size is not None and training.batch_size > data.size:
            raise InvalidRunRequestError(
                f"batch_size: at most the number of points ({data.size}), got {training.batch_size}"
            )
        recipe = spec.points is None and spec.points_csv is None and spec.preset in (None, "sample")
        inherited = locks_of(base.config) if base is not None else []
        owner = new_owner_token()
        with self._slots.hold():  # Building a graph and its session is the costly part.
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
                    "locks": list(dict.fromkeys([*inherited, *locks])),
                },
                points_x=data.x.tolist(),
                points_y=data.y.tolist(),
                initial_state=model.state(),
                answer=closed_form_answer(data),
                owner_token_hash=owner.hash,
            )
            if base is not None:
                check_locks(base, run)
            current = model.evaluate()
            self._store.add_run(run)
        except BaseException:
            model.close()
            raise
        self._registry.add(run.id, model)
        self._positions.moved(model, Position(generation=0, step=0))
        return RunView(
            run=run,
            history=HistorySummary(records=[], last=0),
            current=current,
            stability=_run_stability(run),
            owner_token=owner.token,
        )

    def fork(self, run_id: str, step: int) -> RunView:
        """A new run with this run's data, settings and steps 1..`step`, continuing from the
        full state after `step` (weights and optimizer slots); the original is untouched.

        Anyone who can see the run may fork it: the fork has an owner token of its own."""
        run = self.require_run(run_id)
        head = self._store.head(run_id)
        if head is None:
            raise RunNotFoundError(run_id)
        last = head.step
        if not 0 <= step <= last:
            # 422 as for step -1: the run exists, the body asks for a step it does not have
            # (a 404 would say the run is gone; found by Schemathesis).
            raise InvalidRunRequestError(
                f"step must be from 0 (the start) to {last}, this run's last step"
            )
        if step > 0 and self._store.state_at(run_id, step) is None:
            raise InvalidRunRequestError(
                f"step {step} overflowed, so there is no state to continue from; "
                "fork from an earlier step"
            )
        owner = new_owner_token()
        fork = StoredRun(
            id=_new_run_id(),
            created_at=datetime.now(UTC),
            config={**run.config, "forked_from": {"run_id": run_id, "step": step}},
            points_x=run.points_x,
            points_y=run.points_y,
            initial_state=run.initial_state,
            answer=run.answer,
            owner_token_hash=owner.hash,
        )
        # The steps are copied and checked in one transaction of the store, which no step or
        # reset (of any process) can interleave with: no lock of this process is needed.
        try:
            self._store.add_run(fork, steps_of=(run_id, step), source_generation=head.generation)
        except ForkSourceChangedError as error:
            raise RunChangedError() from error
        # Its session is built from the stored state at `step`, as any evicted run is.
        return replace(self.get(fork.id), owner_token=owner.token)

    def summaries(self, limit: int, offset: int = 0) -> list[RunSummary]:
        """Runs newest first, with where each history stands (the teacher's list)."""
        return self._store.run_summaries(limit, offset)

    def require_owner(self, run_id: str, token: str | None) -> None:
        """Raise NotOwnerError unless `token` may change the run (RunNotFoundError if none)."""
        if not may_change(self._owner_of(run_id).token_hash, token):
            raise NotOwnerError()

    def _owner_of(self, run_id: str) -> RunOwner:
        """The run's owner, remembered per process; RunNotFoundError if there is no such run."""
        with self._owners_lock:
            owner = self._owners.get(run_id)
        if owner is None:
            owner = self._store.run_owner(run_id)
            if owner is None:
                raise RunNotFoundError(run_id)
            # A run's owner never changes, so every process may remember it: one query less
            # on every step. Bounded, oldest forgotten first.
            with self._owners_lock:
                self._owners[run_id] = owner
                if len(self._owners) > OWNER_CACHE_SIZE:
                    self._owners.popitem(last=False)
        return owner

    def _require_stored(self, run_id: str) -> None:
        """Raise RunNotFoundError unless the run is stored (one small query at most)."""
        self._owner_of(run_id)

    def get(self, run_id: str) -> RunView:
        """The run as its session holds it now, with its history up to that step.

        The run's lock is held only to read the session; the history is read after, from the
        store, so a long history never keeps the run's own steps waiting.
        """
        run = self.require_run(run_id)
        with self.checkout(run_id) as model:
            last = self._positions.of(model).step
            current = None if model.diverged_at is not None else model.evaluate()
        history = self.history.summary(run_id, last)
        return RunView(run=run, history=history, current=current, stability=_run_stability(run))

    def history_page(self, run_id: str, after: int, limit: int) -> list[StepRecord]:
        """At most `limit` stored steps after step `after`; no session is needed."""
        self.require_run(run_id)
        return self.history.page(run_id, after, limit)

    def check_can_step(self, run_id: str, n: int) -> None:
        """Raise the error a step of `n` updates would meet, without stepping."""
        self._check_step_count(n)
        with self.checkout(run_id) as model:
            refuse_if_diverged(model)
            refuse_if_full(model, n, self._settings.max_steps_per_run)

    def step(
        self,
        run_id: str,
        n: int,
        generation: int | None = None,
        every_prediction: bool = False,
        lock_wait_seconds: float = RUN_LOCK_WAIT_SECONDS,
    ) -> StepBatch:
        """Apply `n` updates (fewer if the run diverges), store them, then return them.

        With `generation`, refuse if the run has been reset since that generation. Each
        outcome carries its predictions if `every_prediction`, otherwise only the last.
        Another process computing the run meanwhile is waited for, up to `lock_wait_seconds`
        (then RunBusyError).
        """
        self._check_step_count(n)
        with self.checkout(run_id, exclusive=True, lock_wait_seconds=lock_wait_seconds) as model:
            start = self._positions.of(model)
            for attempt in range(1, STORE_ATTEMPTS + 1):
                if generation is not None and start.generation != generation:
                    raise RunResetError()
                refuse_if_diverged(model)
                refuse_if_full(model, n, self._settings.max_steps_per_run)
                # One update runs the learner's own update op; more run in one fused call.
                outcomes = [model.step()] if n == 1 else model.run(n, every_prediction)
                stored = [
                    StoredStep(o.record, None if o.record.diverged else o.state) for o in outcomes
                ]
                if self._positions.store_steps(run_id, model, start, stored):
                    return StepBatch(outcomes=outcomes, current=_evaluation_after(outcomes[-1]))
                # Another process stored first. Whether or not it goes on, the session is
                # ahead of the store and must hold what the store holds again.
                time.sleep(random.uniform(0, STORE_RETRY_PAUSE_SECONDS * attempt))
                start = self._positions.catch_up(run_id, model)
        raise RunContendedError(STORE_ATTEMPTS)

    async def stream(
        self, run_id: str, n: int, interval_seconds: float, stop: anyio.Event | None = None
    ) -> AsyncIterator[StepOutcome]:
        """Yield up to `n` steps one at a time, each stored before it is yielded.

        Stops after a step that diverged, and with RunResetError if the run is reset meanwhile.
        If the consumer goes away, the step in progress finishes and is stored, and no further
        step is computed. Once `stop` is set (the server is shutting down), the stream ends
        after the steps already computed, without waiting for the next one to be due.
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
            batch = await self._stream_step(run_id, min(chunk, n - sent), generation, stop)
            if batch is None:
                return
            for outcome in batch.outcomes:
                yield outcome
                sent += 1
                if outcome.record.diverged:
                    return
                if interval_seconds > 0 and sent < n:
                    # Steps are due every interval, however long each took to compute.
                    due += interval_seconds
                    if await _sleep_unless_stopped(max(0.0, due - anyio.current_time()), stop):
                        return

    async def _stream_step(
        self, run_id: str, n: int, generation: int, stop: anyio.Event | None
    ) -> StepBatch | None:
        """A stream's next steps, waiting if no computation slot is free or another process
        is computing the run (see STREAM_SLOT_WAIT_SECONDS); None, with nothing computed, once
        `stop` is set."""
        deadline = anyio.current_time() + STREAM_SLOT_WAIT_SECONDS
        while stop is None or not stop.is_set():
            try:
                return await anyio.to_thread.run_sync(
                    self.step, run_id, n, generation, True, STREAM_LOCK_WAIT_SECONDS
                )
            except ServerBusyError:  # RunBusyError too: another process held the run.
                if anyio.current_time() >= deadline:
                    raise
            except RunContendedError as error:  # Lost the store's races (SQLite's processes).
                if anyio.current_time() >= deadline:
                    raise RunBusyError(STREAM_SLOT_WAIT_SECONDS) from error
            await _sleep_unless_stopped(STREAM_SLOT_POLL_SECONDS, stop)
        return None

    def evaluate(self, run_id: str) -> Evaluation:
        """Read loss and weights as `loss.eval()` and `weights.eval()` do; nothing changes."""
        with self.checkout(run_id) as model:
            refuse_if_diverged(model)
            return model.evaluate()

    def reset(self, run_id: str) -> RunView:
        """Go back to step 0 with the same data and initial weights; the history is cleared."""
        run = self.require_run(run_id)
        with self.checkout(run_id, exclusive=True) as model:
            generation = self._store.reset_run(run_id)
            model.restore(run.initial_state)
            self._positions.moved(model, Position(generation=generation, step=0))
            current = model.evaluate()
        empty = HistorySummary(records=[], last=0)
        return RunView(run=run, history=empty, current=current, stability=_run_stability(run))

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
    def checkout(
        self,
        run_id: str,
        exclusive: bool = False,
        lock_wait_seconds: float = RUN_LOCK_WAIT_SECONDS,
    ) -> Iterator[LinearRegressionModel]:
        """Hold the run's lock and give its live model (see RunRegistry.checkout), holding
        the run's latest stored state (another process may have stored more).

        If `exclusive` (to change the run: a step or a reset), also hold the run's lock across
        processes (RunLocks.exclusive), waiting up to `lock_wait_seconds` for another process
        to finish with it (then RunBusyError); it is taken before catching up, so the catch-up
        sees that process's last steps. Reads need no such lock: they change nothing stored.
        An unknown run raises RunNotFoundError.
        """

        def hold() -> AbstractContextManager[object]:
            if not exclusive:
                return nullcontext()
            return self._run_locks.exclusive(run_id, lock_wait_seconds)

        with self._registry.checkout(run_id, hold) as model:
            self._positions.catch_up(run_id, model)
            yield model

    def _base_run(self, run_id: str | None) -> StoredRun | None:
        if run_id is None:
            return None
        base = self._store.get_run(run_id)
        if base is None:
            raise InvalidRunRequestError(f"based_on: {RunNotFoundError(run_id)}")
        return base

    def last_step(self, run_id: str) -> int:
        """The number of the run's last stored step (0: none); reads no history."""
        last = self._store.last_step(run_id)
        return 0 if last is None else last.step

    def require_run(self, run_id: str) -> StoredRun:
        run = self._store.get_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def _load_model(self, run_id: str) -> LinearRegressionModel:
        """Rebuild a run's session; `checkout` then restores its last stored state."""
        run = self.require_run(run_id)
        return LinearRegressionModel(dataset_of(run), training_spec_of(run))
