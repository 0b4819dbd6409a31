"""Settings a teacher locks in an assignment: runs made from a locked run must keep them.

A locked run's config carries `locks`, a list of the names below. A new run `based_on` it
(the page's New run form, the divergence retry) inherits the locks and must have the same
value for each; a fork copies the config, locks included.
"""

from typing import Any

from app.runs.errors import LockedSettingError
from app.storage.stored import StoredRun

# What a lock keeps. `learning_rate` covers its schedule; `optimizer` its parameters; `data`
# the points however they were given (recipe, preset, list or CSV); `initial_weights` the
# weights the run started from.
LOCKABLE = ("learning_rate", "optimizer", "loss", "batch_size", "seed", "data", "initial_weights")


def _locked_value(setting: str, run: StoredRun) -> Any:
    # Compared as the run stores them, so every way of giving a value (a preset or the same
    # points as a list; a seed's random weights or the same weights typed) counts as equal.
    training = run.config.training
    if setting == "learning_rate":
        return (training.learning_rate, training.schedule)
    if setting == "optimizer":
        return (training.optimizer, training.params())
    if setting == "data":
        return (run.points_x, run.points_y)
    if setting == "initial_weights":
        return run.initial_state["weights"]
    return getattr(training, setting)


def check_locks(base: StoredRun, candidate: StoredRun) -> None:
    """Raise LockedSettingError naming the first locked setting `candidate` changed."""
    for setting in base.config.locks:
        if _locked_value(setting, candidate) != _locked_value(setting, base):
            raise LockedSettingError(setting, base.id)
