"""What the store keeps and answers: plain records of runs and steps, and its errors."""

from dataclasses import dataclass
from datetime import datetime

from app.domain.records import StepRecord, VariableState, Weights
from app.domain.run_config import RunConfig


@dataclass(frozen=True)
class RunAttribution:
    """Whose run it is, as the teacher's live view tells runs apart: the assignment it was
    started from, the name its student chose (optional), and whether the teacher started it."""

    assignment_id: str | None = None
    display_name: str | None = None
    by_teacher: bool = False


@dataclass(frozen=True)
class StoredRun:
    """A run as created: its settings, data, starting state and the closed-form answer."""

    id: str
    created_at: datetime
    config: RunConfig
    points_x: list[float]
    points_y: list[float]
    initial_state: VariableState
    answer: Weights
    generation: int = 0
    owner_token_hash: str | None = None
    attribution: RunAttribution = RunAttribution()


@dataclass(frozen=True)
class StoredStep:
    """One step to store: its record and the variable state it left (None if diverged)."""

    record: StepRecord
    state: VariableState | None


class StepConflictError(Exception):
    """Steps were not stored: another process stored a step of the same number first, or
    reset the run meanwhile. Nothing of the batch was stored."""


class ForkSourceChangedError(Exception):
    """A fork was not stored: its source lacks the steps to copy, or the last one overflowed
    (a reset, perhaps by another process, came first). Nothing of the fork was stored."""


class RunGoneError(Exception):
    """The run is no longer stored: the retention policy or the storage budget deleted it,
    perhaps while this request was under way. Nothing was stored."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id[:64]
        super().__init__(f"no run with id {self.run_id!r}")


@dataclass(frozen=True)
class RunHead:
    """Where a run's history stands: how often it was reset, and its last step (0: none)."""

    generation: int
    step: int
    diverged: bool


@dataclass(frozen=True)
class RunCheckpoint:
    """A run's head and every variable to continue from, read together.

    `state` is the state after the last step, or the initial state when there is no step or
    the last one diverged (nothing continues from an overflow; the run idles at its start).
    """

    head: RunHead
    state: VariableState


@dataclass(frozen=True)
class LastStep:
    step: int
    diverged: bool


@dataclass(frozen=True)
class RunOwner:
    """Who may change a run: the hash of its owner token (None: anyone, an older run)."""

    token_hash: str | None


@dataclass(frozen=True)
class RunSummary:
    """A line of the teacher's list: a run's settings and where its history stands."""

    id: str
    created_at: datetime
    config: RunConfig
    steps: int
    latest_loss: float | None  # None before the first step, or once the loss overflowed.
    diverged: bool
    attribution: RunAttribution = RunAttribution()


@dataclass(frozen=True)
class StoreUsage:
    """What the store holds: its size in bytes (what the storage budget counts), its runs and
    their steps."""

    bytes_used: int
    runs: int
    steps: int


@dataclass(frozen=True)
class IdleRun:
    """A run, when it was last active (created, stepped or reset), and its number of steps."""

    id: str
    last_active_at: datetime
    steps: int


@dataclass(frozen=True)
class DeletedRuns:
    """How many runs, and steps of theirs, were deleted."""

    runs: int = 0
    steps: int = 0

    def __add__(self, other: "DeletedRuns") -> "DeletedRuns":
        return DeletedRuns(self.runs + other.runs, self.steps + other.steps)


@dataclass(frozen=True)
class StoredAssignment:
    """An assignment as the teacher made it: `settings` are its link's query ((name, value)
    pairs, as app/api/assignment_query.py reads them), `locks` what students may not change."""

    id: str
    created_at: datetime
    title: str
    instructions: str
    settings: tuple[tuple[str, str], ...]
    locks: tuple[str, ...]


@dataclass(frozen=True)
class AssignmentRunHead:
    """A run of an assignment as the live view lists it: who, its settings, where its history
    stands (as RunSummary), how often it was reset, and when it was last active."""

    id: str
    created_at: datetime
    config: RunConfig
    attribution: RunAttribution
    generation: int
    steps: int
    latest_loss: float | None
    diverged: bool
    last_active_at: datetime


@dataclass(frozen=True)
class CurveRequest:
    """The loss of every `stride`-th step of a run (1, 1 + stride, …) in (after, last], read
    only while the run is still at `generation` (not reset since its head was read)."""

    run_id: str
    generation: int
    after: int
    last: int
    stride: int
