"""What the run service answers with: a run as viewed, a batch of steps, and the facts about a
stored run that every view needs (its data, its training spec, its stable learning rates)."""

from dataclasses import dataclass

from app.domain.data import Dataset, validated_dataset
from app.domain.readings import Evaluation, StepOutcome
from app.domain.spec import TrainingSpec
from app.domain.stability import Stability, stability
from app.runs.history import HistorySummary
from app.storage.stored import StoredRun
from app.training.curvature import loss_curvature


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


NO_HISTORY = HistorySummary(records=[], last=0)  # A run just created, or reset.


def dataset_of(run: StoredRun) -> Dataset:
    return validated_dataset(run.points_x, run.points_y)


def training_spec_of(run: StoredRun) -> TrainingSpec:
    return run.config.training


def run_stability(run: StoredRun) -> Stability:
    """The run's stable learning rates, from the curvature stored when it was created."""
    curvature = run.config.curvature
    if curvature is None:  # Stored before curvature was kept: computed again (the data are fixed).
        curvature = loss_curvature(dataset_of(run), training_spec_of(run).loss)
    return stability(training_spec_of(run), curvature)


def evaluation_after(outcome: StepOutcome) -> Evaluation | None:
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
