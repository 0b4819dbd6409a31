"""An assignment link's query string, `/new?lr=0.01&optimizer=adam&lock=lr,optimizer`, read
into the settings of a new run and the settings it locks.

Query values are text: each is converted by the kind of its setting, then the whole is
checked by `RunCreate` as a JSON body would be. Every error names the query parameter.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from app.domain.presets import PRESETS
from app.domain.schedules import SCHEDULE_DEFAULTS
from app.domain.spec import OPTIMIZER_CLASSES, OPTIMIZER_DEFAULTS
from app.runs.errors import InvalidRunRequestError
from app.runs.setting_locks import LOCKABLE
from app.schemas.requests import RunCreate

Kind = Literal["float", "int", "bool", "text", "floats", "ints"]
NOT_SETTINGS = ("lang", "lock")  # Query parameters that are not settings of the run.
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class QuerySetting:
    """A query parameter: where its value goes in the body of POST /api/runs, and its lock."""

    path: tuple[str, ...]
    kind: Kind
    lock: str


_OPTIMIZER_PARAM_KINDS: dict[str, Kind] = {
    name: "bool" if isinstance(default, bool) else "float"
    for params in OPTIMIZER_DEFAULTS.values()
    for name, default in params.items()
}


# Each schedule parameter's kind: a flag, or a number (a required one has no default to tell
# by, so the whole numbers and the comma-separated lists of piecewise_constant are named:
# `boundaries=10,20&values=0.1,0.01,0.001`).
_SCHEDULE_PARAM_KINDS: dict[str, Kind] = {
    **{
        name: "bool" if isinstance(default, bool) else "float"
        for params in SCHEDULE_DEFAULTS.values()
        for name, default in params.items()
    },
    "decay_steps": "int",
    "boundaries": "ints",
    "values": "floats",
}

SETTINGS: dict[str, QuerySetting] = {
    "lr": QuerySetting(("learning_rate",), "float", "learning_rate"),
    "learning_rate": QuerySetting(("learning_rate",), "float", "learning_rate"),
    # A schedule is part of the learning rate: a link that locks lr locks its schedule too.
    "schedule": QuerySetting(("learning_rate_schedule", "name"), "text", "learning_rate"),
    **{
        name: QuerySetting(("learning_rate_schedule", name), kind, "learning_rate")
        for name, kind in _SCHEDULE_PARAM_KINDS.items()
    },
    "optimizer": QuerySetting(("optimizer", "name"), "text", "optimizer"),
    **{
        name: QuerySetting(("optimizer", name), kind, "optimizer")
        for name, kind in _OPTIMIZER_PARAM_KINDS.items()
    },
    "loss": QuerySetting(("loss",), "text", "loss"),
    "batch_size": QuerySetting(("batch_size",), "int", "batch_size"),
    "seed": QuerySetting(("seed",), "int", "seed"),
    "num_points": QuerySetting(("num_points",), "int", "data"),
    "noise": QuerySetting(("noise",), "float", "data"),
    "x_min": QuerySetting(("x_range", "0"), "float", "data"),
    "x_max": QuerySetting(("x_range", "1"), "float", "data"),
    "preset": QuerySetting(("preset",), "text", "data"),
    # `x,y;x,y;…`: the points themselves, read as CSV lines.
    "points": QuerySetting(("points_csv",), "text", "data"),
    "initial_b": QuerySetting(("initial_weights", "b"), "float", "initial_weights"),
    "initial_m": QuerySetting(("initial_weights", "m"), "float", "initial_weights"),
}
# The settings of the sample's recipe: a preset other than `sample`, or the link's own points,
# would leave them unused.
RECIPE_PARAMS = ("num_points", "noise", "x_min", "x_max")
# The query parameter a field of the request body is given by, where their names differ.
QUERY_NAMES = {"points_csv": "points"}
_LOCK_NAMES = {**{name: name for name in LOCKABLE}, **{q: s.lock for q, s in SETTINGS.items()}}
_DEFAULT_X_RANGE = RunCreate.model_fields["x_range"].default


@dataclass(frozen=True)
class Assignment:
    spec: RunCreate
    locks: list[str]


def _convert(name: str, kind: Kind, text: str) -> Any:
    if kind in ("floats", "ints"):
        one: Kind = "float" if kind == "floats" else "int"
        return [_convert(name, one, part) for part in text.split(",")]
    try:
        if kind == "float":
            return float(text)
        if kind == "int":
            return int(text)
    except ValueError:
        raise InvalidRunRequestError(f"{name}: {text[:40]!r} is not a {kind} number") from None
    if kind == "bool":
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise InvalidRunRequestError(f"{name}: write true or false, not {text[:40]!r}")
    return text.replace(";", "\n") if name == "points" else text


def _parse_locks(texts: Sequence[str]) -> list[str]:
    names = [part.strip() for text in texts for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in _LOCK_NAMES]
    if unknown:
        raise InvalidRunRequestError(
            f"lock: no setting named {unknown[0][:40]!r}; lock any of {', '.join(LOCKABLE)} "
            "(or a setting's query name, such as lr)"
        )
    return list(dict.fromkeys(_LOCK_NAMES[name] for name in names))


def _check_params(
    values: dict[str, Any], owner: str, kinds: Mapping[str, Kind], own: Mapping[Any, Any]
) -> None:
    """Name the parameter that the chosen optimizer or schedule (`owner`: its query name)
    does not have, or that was given without choosing one; `own` lists each choice's."""
    chosen = values.get(owner)
    for name in values:
        if name not in kinds:
            continue
        if chosen is None:
            raise InvalidRunRequestError(f"{name}: choose the {owner} it belongs to too")
        params = own.get(chosen)
        if params is not None and name not in params:
            title = OPTIMIZER_CLASSES[chosen] if owner == "optimizer" else chosen
            raise InvalidRunRequestError(
                f"{name}: {title} has no such parameter; "
                f"its parameters are {', '.join(params) or 'none'}"
            )


def _check_recipe_params(values: dict[str, Any]) -> None:
    """Refuse a setting of the sample's recipe that the link's data would leave unused: a
    student would otherwise get other points than the teacher asked for, without a word."""
    given = [name for name in RECIPE_PARAMS if name in values]
    if not given:
        return
    name = given[0]
    preset = values.get("preset")
    if preset in PRESETS:
        raise InvalidRunRequestError(
            f"the preset {preset!r} makes its own points, so {name} would be ignored; "
            f"leave {name} out of the link, or use preset=sample (the sample's recipe, "
            f"which {name} shapes)",
            field=name,
        )
    if "points" in values:
        raise InvalidRunRequestError(
            f"the link's points are used as they are, so {name} would be ignored; "
            f"leave {name} out of the link",
            field=name,
        )


def _body(values: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, value in values.items():
        path = SETTINGS[name].path
        if path[0] == "x_range":
            body.setdefault("x_range", list(_DEFAULT_X_RANGE))[int(path[1])] = value
        elif len(path) == 2:
            body.setdefault(path[0], {})[path[1]] = value
        else:
            body[path[0]] = value
    return body


def _query_name(location: Sequence[int | str], given: Sequence[str]) -> str | None:
    """The query parameter a validation error is about (pydantic names body fields)."""
    fields = [str(part) for part in location]
    exact = [name for name in given if SETTINGS[name].path[-1] in fields]
    # An unknown optimizer is reported at `optimizer`, the name's parent.
    within = [name for name in given if SETTINGS[name].path[0] in fields]
    return next(iter(exact + within), None)


def _spec(body: dict[str, Any], given: Sequence[str]) -> RunCreate:
    try:
        return RunCreate.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        name = _query_name(first["loc"], given)
        raise InvalidRunRequestError(f"{name}: {message}" if name else message) from None


def parse_assignment(items: Sequence[tuple[str, str]]) -> Assignment:
    """The run an assignment link asks for; InvalidRunRequestError names a bad parameter."""
    values: dict[str, Any] = {}
    lock_texts: list[str] = []
    for name, text in items:
        if name == "lock":
            lock_texts.append(text)
        elif name in NOT_SETTINGS:
            continue
        elif name not in SETTINGS:
            raise InvalidRunRequestError(
                f"{name[:40]}: not a setting; use any of {', '.join(SETTINGS)}, and lock"
            )
        elif name in values:
            raise InvalidRunRequestError(f"{name}: given twice")
        else:
            values[name] = _convert(name, SETTINGS[name].kind, text)
    if ("initial_b" in values) != ("initial_m" in values):
        raise InvalidRunRequestError("initial_b, initial_m: give both starting weights or neither")
    _check_params(values, "optimizer", _OPTIMIZER_PARAM_KINDS, OPTIMIZER_DEFAULTS)
    _check_params(values, "schedule", _SCHEDULE_PARAM_KINDS, SCHEDULE_DEFAULTS)
    _check_recipe_params(values)
    return Assignment(spec=_spec(_body(values), list(values)), locks=_parse_locks(lock_texts))
