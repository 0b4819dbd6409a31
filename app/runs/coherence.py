"""Keeping live sessions level with the store when several processes share one database.

Each app process keeps its own TensorFlow sessions, but the store is shared: another process
may have stored steps of a run, or reset it, since this process's session of it last moved.
So a session's position (the generation and last step of the history it holds) is compared
with the store's head at every checkout, in one small indexed query, and a session that lags
is restored from the store: every variable, the optimizer's slots included, exactly as an
evicted run is rebuilt. Steps are stored only if the store has not moved meanwhile
(`Store.add_steps` refuses otherwise); the process that lost the race catches up and computes
again.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from app.runs.errors import RunNotFoundError
from app.storage.store import Store
from app.storage.stored import RunCheckpoint, RunGoneError, StepConflictError, StoredStep
from app.training.model import LinearRegressionModel

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Position:
    """A point in a run's history: its reset count and the last step stored (0: none)."""

    generation: int
    step: int


class SessionPositions:
    """Which position of the store each live session holds.

    Keyed weakly by the model, so a session that the registry closes and lets go is forgotten
    with it. A model's entry is only read or changed by the thread holding the run's lock.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._positions: WeakKeyDictionary[LinearRegressionModel, Position] = WeakKeyDictionary()

    def catch_up(self, run_id: str, model: LinearRegressionModel) -> Position:
        """Bring `model` to the run's latest stored state if it is not there; return where
        it stands. Raises RunNotFoundError if the store has no such run."""
        head = self._store.head(run_id)
        if head is None:
            raise RunNotFoundError(run_id)
        known = self._positions.get(model)
        if known is not None and known == Position(head.generation, head.step):
            return known
        # Read again with the state, in one statement: the head may have moved since.
        checkpoint = self._store.checkpoint(run_id)
        if checkpoint is None:
            raise RunNotFoundError(run_id)
        return self._restore(model, checkpoint)

    def knows(self, model: LinearRegressionModel) -> bool:
        """Whether this process knows where `model` stands (it is forgotten on a conflict)."""
        return model in self._positions

    def of(self, model: LinearRegressionModel) -> Position:
        """Where `model` stands; it must have been caught up or moved first."""
        return self._positions[model]

    def moved(self, model: LinearRegressionModel, position: Position) -> None:
        """Record that `model` holds `position`, which this process just stored."""
        self._positions[model] = position

    def store_steps(
        self,
        run_id: str,
        model: LinearRegressionModel,
        start: Position,
        steps: Sequence[StoredStep],
    ) -> bool:
        """Store `steps`, computed by `model` from `start`; return whether they were stored.

        If another process stored a step of the run or reset it since `start`, nothing is
        stored and False is returned: `model` is then ahead of the store, and its next
        `catch_up` restores it from the store. If the run was deleted meanwhile (the storage
        sweep, app/storage/retention.py), nothing is stored and RunNotFoundError is raised at once:
        there is nothing to catch up with, and the session never writes the run again.
        """
        try:
            self._store.add_steps(run_id, steps, generation=start.generation)
        except RunGoneError as error:
            self._positions.pop(model, None)
            raise RunNotFoundError(run_id) from error
        except StepConflictError:
            self._positions.pop(model, None)
            # Routing one run's requests to one process (deploy/nginx.conf) keeps this rare.
            logger.warning(
                "run %s: another process stored its steps from step %d first; "
                "catching up to compute them again",
                run_id,
                start.step + 1,
            )
            return False
        self.moved(model, Position(start.generation, steps[-1].record.step))
        return True

    def _restore(self, model: LinearRegressionModel, checkpoint: RunCheckpoint) -> Position:
        model.restore(checkpoint.state)
        if checkpoint.head.diverged:  # Nothing continues from an overflow: refused until reset.
            model.diverged_at = checkpoint.head.step
        position = Position(checkpoint.head.generation, checkpoint.head.step)
        self._positions[model] = position
        return position
