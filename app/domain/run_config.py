"""A run's stored settings, typed; and the only code that knows their stored JSON keys.

The store keeps a run's config as one JSON object, written by `RunConfig.to_json` and read by
`RunConfig.from_json`. Runs stored by older versions lack the keys added since (optimizer,
loss, batches, presets, forks, curvature, locks); `from_json` gives them the value those
runs had in effect, so no other code has to ask whether a key is there.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.domain.presets import PresetName
from app.domain.schedules import LearningRateSchedule
from app.domain.spec import TrainingSpec
from app.domain.stability import Curvature


@dataclass(frozen=True)
class DataOrigin:
    """Where a run's points came from: the sample's recipe, a preset, or points given."""

    num_points: int
    noise: float | None  # The recipe's; None when the points were given or a preset.
    x_range: tuple[float, float] | None  # Likewise.
    custom_points: bool  # Given as a list or CSV, or a preset: not the recipe's.
    preset: PresetName | None = None


@dataclass(frozen=True)
class ForkOrigin:
    """The run and step a fork was taken from."""

    run_id: str
    step: int


@dataclass(frozen=True)
class RunConfig:
    """Everything a run was created with, beside its points and initial state."""

    training: TrainingSpec
    data: DataOrigin
    custom_initial_weights: bool = False  # Weights typed by the learner, not random_normal's.
    forked_from: ForkOrigin | None = None
    # Kept at creation; None for runs stored before it was (it is then computed again).
    curvature: Curvature | None = None
    locks: tuple[
        str, ...
    ] = ()  # Settings a teacher's assignment keeps (app/runs/setting_locks.py).

    def forked(self, run_id: str, step: int) -> "RunConfig":
        """The config of a fork of the run `run_id` at `step`: the same, with its origin."""
        return replace(self, forked_from=ForkOrigin(run_id=run_id, step=step))

    def to_json(self) -> dict[str, Any]:
        training = self.training
        return {
            "learning_rate": training.learning_rate,
            "seed": training.seed,
            "optimizer": training.optimizer,
            "optimizer_params": training.params(),
            "loss": training.loss,
            "batch_size": training.batch_size,
            "schedule": None if training.schedule is None else training.schedule.to_json(),
            "num_points": self.data.num_points,
            "noise": self.data.noise,
            "x_range": None if self.data.x_range is None else list(self.data.x_range),
            "custom_points": self.data.custom_points,
            "custom_initial_weights": self.custom_initial_weights,
            "preset": self.data.preset,
            "forked_from": None
            if self.forked_from is None
            else {"run_id": self.forked_from.run_id, "step": self.forked_from.step},
            "curvature": None
            if self.curvature is None
            else [self.curvature.smallest, self.curvature.largest],
            "locks": list(self.locks),
        }

    @classmethod
    def from_json(cls, stored: Mapping[str, Any]) -> "RunConfig":
        """Read a stored config; a key missing from an older run gets the value it had then."""
        batch_size = stored.get("batch_size")
        x_range = stored.get("x_range")
        forked_from = stored.get("forked_from")
        curvature = stored.get("curvature")
        schedule = stored.get("schedule")
        return cls(
            training=TrainingSpec(
                learning_rate=float(stored["learning_rate"]),
                seed=int(stored["seed"]),
                optimizer=stored.get("optimizer", "gradient_descent"),
                optimizer_params=dict(stored.get("optimizer_params") or {}),
                loss=stored.get("loss", "l2_loss"),
                batch_size=None if batch_size is None else int(batch_size),
                schedule=None if schedule is None else LearningRateSchedule.from_json(schedule),
            ),
            data=DataOrigin(
                num_points=int(stored["num_points"]),
                noise=stored.get("noise"),
                x_range=None if x_range is None else (float(x_range[0]), float(x_range[1])),
                custom_points=bool(stored.get("custom_points", False)),
                preset=stored.get("preset"),
            ),
            custom_initial_weights=bool(stored.get("custom_initial_weights", False)),
            forked_from=None
            if forked_from is None
            else ForkOrigin(run_id=forked_from["run_id"], step=int(forked_from["step"])),
            curvature=None
            if curvature is None
            else Curvature(smallest=float(curvature[0]), largest=float(curvature[1])),
            locks=tuple(stored.get("locks") or ()),
        )
