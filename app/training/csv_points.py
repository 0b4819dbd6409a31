"""Points pasted or uploaded as CSV text: `x,y` per line, with an optional header line."""

import csv
import io
import math

from app.training.data import InvalidDataError

MAX_FIELD_SHOWN = 20  # Longer fields are cut when quoted back in an error message.


def _shown(field: str) -> str:
    return repr(field if len(field) <= MAX_FIELD_SHOWN else field[:MAX_FIELD_SHOWN] + "…")


def _number(field: str, name: str, line: int) -> float:
    try:
        value = float(field)
    except ValueError:
        raise InvalidDataError(f"line {line}: {name} is not a number: {_shown(field)}") from None
    if not math.isfinite(value):
        raise InvalidDataError(f"line {line}: {name} must be a finite number, got {_shown(field)}")
    return value


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _is_header(fields: list[str]) -> bool:
    """A first line of names, like `x,y`: no field is a number."""
    return not any(_is_number(field) for field in fields)


def parse_points_csv(text: str, max_points: int) -> tuple[list[float], list[float]]:
    """Read x and y from CSV text; raise InvalidDataError naming the line that is wrong.

    Commas, semicolons or tabs separate the two columns; blank lines are skipped. The line
    numbers in messages are those a text editor shows.
    """
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    xs: list[float] = []
    ys: list[float] = []
    for index, raw_fields in enumerate(csv.reader(io.StringIO(text), dialect)):
        line = index + 1
        fields = [field.strip() for field in raw_fields]
        if not any(fields):
            continue
        if not xs and line == 1 and _is_header(fields):
            continue
        if len(fields) != 2:
            raise InvalidDataError(
                f"line {line}: expected two values, x and y, found {len(fields)}"
            )
        if len(xs) == max_points:
            raise InvalidDataError(f"line {line}: more than the {max_points} points allowed")
        xs.append(_number(fields[0], "x", line))
        ys.append(_number(fields[1], "y", line))
    return xs, ys
