"""The live TensorFlow sessions of runs: built on demand, kept up to date with the store,
locked while in use, and closed when idle or evicted."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy.engine import make_url

from app.runs.coherence import Position, SessionPositions
from app.runs.errors import RunNotFoundError, RunRequestError, WouldWaitError
from app.runs.limits import ComputeSlots
from app.runs.owners import RunOwners
from app.runs.registry import RunRegistry
from app.runs.run_locks import RUN_LOCK_WAIT_SECONDS, RunLocks
from app.runs.views import dataset_of
from app.settings import Settings
from app.storage.store import Store
from app.training.graph_cache import GraphCache
from app.training.model import LinearRegressionModel
from app.training.warm_sessions import WarmSessions

# The graphs whose ready sessions are kept: a class's assignment, the default sample, and a
# few more, the most recently wanted.
WARM_GRAPHS = 4


class LiveSessions:
    """Each run's model, checked out one user at a time, holding the run's latest stored state."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        slots: ComputeSlots,
        owners: RunOwners,
        graphs: GraphCache,
    ) -> None:
        self._store = store
        self._graphs = graphs
        self.warm = WarmSessions(settings.warm_sessions, WARM_GRAPHS, busy=slots.computing)
        self._idle_seconds = settings.idle_session_seconds
        # Where each live session stands in the store, which other processes may also change.
        self.positions = SessionPositions(store)
        # One process at a time computes a run (on PostgreSQL; nothing on SQLite).
        self._run_locks = RunLocks(settings.resolved_database_url())
        # SQLite is one process's file, written in microseconds (two processes share one in
        # tests only, where the store's refusal of a stale write keeps them right).
        self.in_one_process = (
            make_url(settings.resolved_database_url()).get_backend_name() == "sqlite"
        )
        # A refused request leaves the session as it was, so the session is kept. Every use
        # of a session holds a computation slot.
        self._registry = RunRegistry(
            settings.max_live_runs,
            self._load_model,
            keeps_session_on=RunRequestError,
            admit=slots.hold,
            require=owners.owner_of,  # Raises for ids of no stored run.
        )

    def add(self, run_id: str, model: LinearRegressionModel, position: Position) -> None:
        """Keep the session of a run just created, which stands at `position`."""
        self._registry.add(run_id, model)
        self.positions.moved(model, position)

    @contextmanager
    def checkout(
        self,
        run_id: str,
        exclusive: bool = False,
        lock_wait_seconds: float = RUN_LOCK_WAIT_SECONDS,
        wait: bool = True,
    ) -> Iterator[LinearRegressionModel]:
        """Hold the run's lock and give its live model (see RunRegistry.checkout), holding
        the run's latest stored state (another process may have stored more) for a read, and
        on SQLite the state this process last stored for a change (its write checks it).

        If `exclusive` (to change the run: a step or a reset), also hold the run's lock across
        processes (RunLocks.exclusive), waiting up to `lock_wait_seconds` for another process
        to finish with it (then RunBusyError); it is taken before catching up, so a catch-up
        sees that process's last steps. Reads need no such lock: they change nothing stored.
        An unknown run raises RunNotFoundError. Without `wait`, see RunRegistry.checkout:
        only where this process alone computes its runs (`in_one_process`).
        """
        if not (wait or self.in_one_process):
            raise WouldWaitError()  # The lock across processes is a query, and may wait.

        def hold() -> AbstractContextManager[object]:
            if not exclusive:
                return nullcontext()
            return self._run_locks.exclusive(run_id, lock_wait_seconds)

        with self._registry.checkout(run_id, hold, wait) as model:
            # On SQLite, one process's file, a change needs no read of the store's head when
            # the session's position is known: its write is still refused if the store moved
            # (Store.add_steps), and the step then catches up and computes again. A diverged
            # session reads it, so that a reset elsewhere lifts its refusal. Where processes
            # share the store, the head is read under the run's lock, so a step is never
            # computed in vain.
            trusted = self.in_one_process and model.diverged_at is None
            if not (exclusive and trusted and self.positions.knows(model)):
                self.positions.catch_up(run_id, model)
            yield model

    def live_count(self) -> int:
        return self._registry.live_count()

    def close_idle(self) -> int:
        """Close the sessions unused for `idle_session_seconds`; return how many."""
        return self._registry.close_idle(self._idle_seconds)

    def close(self) -> None:
        self.warm.close()
        self._registry.close_all()
        self._run_locks.close()

    def _load_model(self, run_id: str) -> LinearRegressionModel:
        """Rebuild a run's session; `checkout` then restores its last stored state."""
        run = self._store.get_run(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        data, spec = dataset_of(run), run.config.training
        shared = self._graphs.get(data, spec)
        if self.warm.enabled:
            return self.warm.take(data, spec, shared)
        return LinearRegressionModel(data, spec, shared)
