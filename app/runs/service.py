"""What a learner does to a run: create, view, step, stream, evaluate, reset and fork it.

Each operation computes with the run's live session, persists, and only then returns, so
nothing reaches a client that the store does not already hold. Who may do it and how often is
app.runs.admission; the live sessions are app.runs.sessions; what a request turns into is in
app.runs.creation, the refusals before a step in app.runs.guards, the pacing of a stream in
app.runs.streaming, and what the service answers with in app.runs.views.
"""

import random
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

from app.domain.readings import Evaluation, StepOutcome
from app.domain.records import StepRecord
from app.runs.admission import Admission
from app.runs.attribution import inherited_attribution
from app.runs.coherence import Position
from app.runs.creation import build_new_run, default_run_inputs, forked_run
from app.runs.errors import (
    InvalidRunRequestError,
    RunChangedError,
    RunContendedError,
    RunNotFoundError,
    RunResetError,
    WouldWaitError,
)
from app.runs.guards import (
    refuse_bad_fork_step,
    refuse_bad_step_count,
    refuse_if_diverged,
    refuse_if_full,
)
from app.runs.history import HistoryReader
from app.runs.limits import ComputeSlots
from app.runs.owners import RunOwners, new_owner_token
from app.runs.run_locks import RUN_LOCK_WAIT_SECONDS
from app.runs.sessions import LiveSessions
from app.runs.stream_stops import StreamControl, StreamStops
from app.runs.streaming import stream_steps
from app.runs.views import NO_HISTORY, RunView, StepBatch, evaluation_after, run_stability
from app.schemas.requests import RunCreate
from app.settings import Settings
from app.storage.store import Store
from app.storage.stored import (
    ForkSourceChangedError,
    RunAttribution,
    RunSummary,
    StoredRun,
    StoredStep,
)
from app.training.graph_cache import GraphCache
from app.training.model import LinearRegressionModel

# When another process stores a run's next steps first, the loser catches up and computes
# again, this many times at most. It pauses first, for a random time that grows with each
# attempt, so that two processes stepping one run in lockstep fall out of it, and catches up
# after the pause, so that it computes from the freshest state. On PostgreSQL the run's lock
# (app.runs.run_locks) keeps processes from computing one run at once, so this is a safety net
# that does not trigger; on SQLite (one process) only tests run two processes.
STORE_ATTEMPTS = 8
STORE_RETRY_PAUSE_SECONDS = 0.002
# The most steps `step_now` computes in the caller's thread: a Run of 50, the page's longest
# button, costs about 4 ms, stored.
IMMEDIATE_STEPS = 50


class RunService:
    """Runs kept in `store`, with their TensorFlow sessions cached in a registry."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        owners = RunOwners(store)
        self.admission = Admission(owners, settings)
        self._slots = ComputeSlots(
            settings.max_concurrent_computations, settings.compute_wait_seconds
        )
        # Runs with the same data and settings share one graph, each with its own session.
        self._graphs = GraphCache(settings.max_shared_graphs)
        self._sessions = LiveSessions(store, settings, self._slots, owners, self._graphs)
        self._positions = self._sessions.positions
        self.history = HistoryReader(store)
        self.stream_stops = StreamStops()

    def close(self) -> None:
        self._sessions.close()

    def prepare_default_graph(self) -> None:
        """Build the graph of a run of the sample with the defaults, which most visitors
        start, and warm sessions of it, so that the first of them does not wait for either."""
        data, spec = default_run_inputs(self._settings.max_points)
        shared = self._graphs.get(data, spec)
        if self._sessions.warm.enabled:
            self._sessions.warm.fill(data, spec, shared)

    def ping(self) -> None:
        """Raise if the store cannot be reached."""
        self._store.ping()

    def live_sessions(self) -> int:
        return self._sessions.live_count()

    def close_idle_sessions(self) -> int:
        """Close the sessions unused for `idle_session_seconds`; return how many."""
        return self._sessions.close_idle()

    def create(
        self,
        spec: RunCreate,
        locks: Sequence[str] = (),
        attribution: RunAttribution | None = None,
        base_owner_token: str | None = None,
    ) -> RunView:
        """Create a run owned by whoever receives the answer's token.

        `locks` lists settings a teacher's assignment keeps; a run `spec.based_on` a locked run
        inherits its locks and must keep its values of them. Without `attribution`, a run
        `based_on` another keeps its assignment, and its name too for the base's owner
        (`base_owner_token`: app.runs.attribution).
        """
        base = self._base_run(spec.based_on)
        if attribution is None:
            attribution = inherited_attribution(base, base_owner_token)
        created = build_new_run(
            spec, base, locks, self._settings.max_points, self._slots, self._graphs, attribution
        )
        try:
            # Before the run is stored: a run whose answer cannot be made is never kept.
            stability = run_stability(created.run)
            self._store.add_run(created.run)
        except BaseException:
            if created.model is not None:
                created.model.close()
            raise
        if created.model is not None:
            self._sessions.add(created.run.id, created.model, Position(generation=0, step=0))
        return RunView(
            run=created.run,
            history=NO_HISTORY,
            current=created.current,
            stability=stability,
            owner_token=created.owner_token,
        )

    def fork(
        self,
        run_id: str,
        step: int,
        owner_token: str | None = None,
        attribution: RunAttribution | None = None,
    ) -> RunView:
        """A new run with this run's data, settings and steps 1..`step`, continuing from the
        full state after `step` (weights and optimizer slots); the original is untouched.

        Anyone who can see the run may fork it: the fork has an owner token of its own. Without
        `attribution`, it keeps the run's assignment, and its name for the run's owner
        (`owner_token`: app.runs.attribution)."""
        run = self.require_run(run_id)
        head = self._store.head(run_id)
        if head is None:
            raise RunNotFoundError(run_id)
        missing = 0 < step <= head.step and self._store.state_at(run_id, step) is None
        refuse_bad_fork_step(step, head.step, missing)
        owner = new_owner_token()
        if attribution is None:
            attribution = inherited_attribution(run, owner_token)
        fork = forked_run(run, step, owner.hash, attribution)
        # The steps are copied and checked in one transaction of the store, which no step or
        # reset (of any process) can interleave with: no lock of this process is needed.
        try:
            self._store.add_run(fork, steps_of=(run_id, step), source_generation=head.generation)
        except ForkSourceChangedError as error:
            raise RunChangedError() from error
        # Its session is built from the stored state at `step`, as any evicted run is.
        return replace(self.get(fork.id), owner_token=owner.token)

    def set_display_name(self, run_id: str, display_name: str | None) -> None:
        """Name the run for the teacher's page (None: no name); RunNotFoundError if none."""
        if not self._store.set_display_name(run_id, display_name):
            raise RunNotFoundError(run_id)

    def summaries(self, limit: int, offset: int = 0) -> list[RunSummary]:
        """Runs newest first, with where each history stands (the teacher's list)."""
        return self._store.run_summaries(limit, offset)

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
        return RunView(run=run, history=history, current=current, stability=run_stability(run))

    def history_page(self, run_id: str, after: int, limit: int) -> list[StepRecord]:
        """At most `limit` stored steps after step `after`; no session is needed."""
        self.require_run(run_id)
        return self.history.page(run_id, after, limit)

    def check_can_step(self, run_id: str, n: int) -> int:
        """Raise the error a step of `n` updates would meet, without stepping; return the
        run's generation (its count of resets), which a stream of it then keeps to."""
        self._check_step_count(n)
        with self.checkout(run_id) as model:
            refuse_if_diverged(model)
            refuse_if_full(model, n, self._settings.max_steps_per_run)
            return self._positions.of(model).generation

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
            return self._step_held(run_id, model, n, generation, every_prediction, wait=True)

    def step_now(self, run_id: str, n: int) -> StepBatch | None:
        """`step(run_id, n)` if it needs no wait at all, else None (nothing changed): then
        `step` does it in a worker thread, where it may wait.

        For the event loop: a few steps of a live session on SQLite cost less than handing
        them to a worker thread and back (about 0.15 ms, and twice a core's wait when the
        machine is busy). Longer runs, a session to load, a run or a slot in use by another
        request, and PostgreSQL's round trips would hold the loop up, and go to the thread.
        A write may still wait for SQLite's lock on another thread's transaction, which is
        short (a retention sweep deletes a bounded batch at a time).
        """
        if n > IMMEDIATE_STEPS:
            return None
        self._check_step_count(n)
        try:
            with self.checkout(run_id, exclusive=True, wait=False) as model:
                return self._step_held(run_id, model, n, None, False, wait=False)
        except WouldWaitError:
            return None

    def _step_held(
        self,
        run_id: str,
        model: LinearRegressionModel,
        n: int,
        generation: int | None,
        every_prediction: bool,
        wait: bool,
    ) -> StepBatch:
        """`step`, its checkout held. Without `wait`, a write the store refuses raises
        WouldWaitError: the checkout drops the session, which is ahead of the store."""
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
                return StepBatch(outcomes=outcomes, current=evaluation_after(outcomes[-1]))
            if not wait:
                raise WouldWaitError()
            # Another process stored first. Whether or not it goes on, the session is
            # ahead of the store and must hold what the store holds again.
            time.sleep(random.uniform(0, STORE_RETRY_PAUSE_SECONDS * attempt))
            start = self._positions.catch_up(run_id, model)
        raise RunContendedError(STORE_ATTEMPTS)

    async def stream(
        self,
        run_id: str,
        n: int,
        generation: int,
        interval_seconds: float,
        control: StreamControl | None = None,
    ) -> AsyncIterator[Sequence[StepOutcome]]:
        """Yield up to `n` steps, each stored before it is yielded, in the groups computed
        together (one step at a time when paced: see app.runs.streaming).

        The steps continue the run at `generation` (as `check_can_step` gave it): they stop
        after a step that diverged, and with RunResetError if the run is reset meanwhile.
        If the consumer goes away, the step in progress finishes and is stored, and no further
        step is computed. Once `control.stop` is set (the server is shutting down, or the owner
        pressed Stop: see `stream_stops`), the stream ends after the steps already computed,
        without waiting for the next one to be due; a paced stream whose control waits for its
        page computes each step only once the page shows the one before.
        """
        self._check_step_count(n)
        steps = stream_steps(self.step, run_id, n, generation, interval_seconds, control)
        async for outcomes in steps:
            yield outcomes

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
        return RunView(run=run, history=NO_HISTORY, current=current, stability=run_stability(run))

    def _check_step_count(self, n: int) -> None:
        refuse_bad_step_count(n, self._settings.max_steps_per_request)

    def checkout(
        self,
        run_id: str,
        exclusive: bool = False,
        lock_wait_seconds: float = RUN_LOCK_WAIT_SECONDS,
        wait: bool = True,
    ) -> AbstractContextManager[LinearRegressionModel]:
        """The run's live model, held for this caller alone (see LiveSessions.checkout)."""
        return self._sessions.checkout(run_id, exclusive, lock_wait_seconds, wait)

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
