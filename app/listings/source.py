"""What a listing is made of and from: its lines (with the page action each belongs to) and
the run it reproduces; and how a rendered template becomes those lines."""

from dataclasses import dataclass
from typing import Literal

from app.domain.records import VariableState
from app.domain.run_config import RunConfig
from app.domain.spec import TrainingSpec

Action = Literal["init", "step", "evaluate"]


_ACTIONS: tuple[Action, ...] = ("init", "step", "evaluate")


_MARK = "  #@"  # Ends a template line: `#@action` and/or `#@note:key`, never shown.


STEPS = 50


@dataclass(frozen=True)
class ListingLine:
    text: str
    action: Action | None = None
    note: str | None = None  # A message key, e.g. "code.note.subtract".


@dataclass(frozen=True)
class ListingSource:
    """What a listing reproduces: how the run trains, its data (recipe or points), its start."""

    spec: TrainingSpec
    num_points: int
    noise: float | None
    x_range: tuple[float, float] | None
    points: tuple[list[float], list[float]] | None  # Given by hand instead of the recipe.
    initial_weights: tuple[float, float] | None  # Given by hand instead of random_normal.

    @classmethod
    def of_run(
        cls,
        config: RunConfig,
        points: tuple[list[float], list[float]],
        initial_state: VariableState,
    ) -> "ListingSource":
        """The source of a stored run, from its config, points and initial state.

        A fork shares its original's config, initial state and first steps, so its listing
        is the original's and reproduces the whole of the fork's history.
        """
        (b,), (m,) = initial_state["weights"]
        return cls(
            spec=config.training,
            num_points=config.data.num_points,
            noise=config.data.noise,
            x_range=config.data.x_range,
            points=points if config.data.custom_points else None,
            # Runs given their own starting weights show them; others show random_normal.
            initial_weights=(b, m) if config.custom_initial_weights else None,
        )


def parse(template: str) -> list[ListingLine]:
    lines = []
    for raw in template.splitlines():
        text, _, marks = raw.partition(_MARK)
        action: Action | None = None
        note = None
        for mark in marks.replace("#@", " ").split():
            if mark.startswith("note:"):
                note = f"code.note.{mark.removeprefix('note:')}"
            elif mark in _ACTIONS:
                action = mark
        lines.append(ListingLine(text=text.rstrip(), action=action, note=note))
    return lines


def as_text(lines: list[ListingLine]) -> str:
    return "\n".join(line.text for line in lines) + "\n"
