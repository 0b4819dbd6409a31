"""What the top of a student's run page says of its assignment (templates/_assignment.html):
the title and instructions the teacher wrote, and each locked setting with this run's value,
rendered with the page, so that nothing moves when its scripts start."""

from typing import Any

from app.api.presenters import run_config_public
from app.domain.presets import PRESETS
from app.i18n import translate
from app.storage.stored import StoredAssignment, StoredRun

# What each lock (app/runs/setting_locks.py) is called on the page.
LOCK_LABELS = {
    "learning_rate": "facts.learning_rate",
    "optimizer": "facts.optimizer",
    "loss": "facts.loss",
    "batch_size": "facts.batch",
    "seed": "newrun.seed",
    "data": "facts.points",
    "initial_weights": "facts.initial",
}
_LOSS_LABELS = {"l2_loss": "newrun.loss_l2", "mean_squared_error": "newrun.loss_mse"}


def points_text(run: StoredRun, lang: str) -> str:
    """The run's points as "This run" says them: a preset by its name, the recipe by its
    settings, or points given by hand."""
    config = run.config
    data = config.data
    if data.preset in PRESETS:
        preset = translate(lang, f"newrun.preset_{data.preset}")
        return translate(lang, "facts.points_preset", n=data.num_points, preset=preset)
    if data.custom_points:
        return translate(lang, "facts.points_custom", n=data.num_points)
    return translate(
        lang, "facts.points_recipe", n=data.num_points, seed=config.training.seed, noise=data.noise
    )


def _locked_value(setting: str, run: StoredRun, lang: str) -> str:
    public = run_config_public(run.config)
    if setting == "learning_rate":
        return str(public.learning_rate)
    if setting == "optimizer":
        return public.optimizer_class
    if setting == "loss":
        return translate(lang, _LOSS_LABELS[public.loss])
    if setting == "batch_size":
        size = public.batch_size
        return translate(lang, "facts.full_batch") if size is None else str(size)
    if setting == "seed":
        return str(public.seed)
    if setting == "data":
        return points_text(run, lang)
    weights = run.initial_state["weights"]
    return f"b = {weights[0][0]:.4g}, m = {weights[1][0]:.4g}"


def assignment_banner(assignment: StoredAssignment, run: StoredRun, lang: str) -> dict[str, Any]:
    """The banner's content: every lock the run carries, in the order the form offers them."""
    locked = [name for name in LOCK_LABELS if name in run.config.locks]
    return {
        "id": assignment.id,
        "title": assignment.title,
        "instructions": assignment.instructions,
        "locks": [
            {
                "setting": name,
                "label": translate(lang, LOCK_LABELS[name]),
                "value": _locked_value(name, run, lang),
            }
            for name in locked
        ],
        "display_name": run.attribution.display_name,
    }
