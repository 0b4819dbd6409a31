"""Points pasted or uploaded as CSV text: `x,y` per line, with an optional header line.

Every step here is linear in the text's length: the text is a learner's (or anyone's), and the
standard library's `csv.Sniffer` runs regular expressions whose time grows like the fourth power
of the number of quote characters, holding the GIL, so one pasted line could stall every user.
The delimiter is decided by counting characters in the first lines instead.
"""

import csv
import io
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.domain.data import InvalidDataError

if TYPE_CHECKING:
    from _csv import Reader  # The type csv.reader() returns, named only in the stubs.

MAX_FIELD_SHOWN = 20  # Longer fields are cut when quoted back in an error message.
DELIMITERS = (",", ";", "\t")  # In order of preference when several would fit.
SNIFFED_LINES = 5  # Non-blank lines looked at to decide the delimiter (a header among them).


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


# Inside a field, what may separate numbers written on a line with the wrong delimiter
# (`1 2`, `1;2` in a file of commas): a field holding such numbers is data, not a name.
_SPACED = str.maketrans(dict.fromkeys(DELIMITERS, " "))


def _is_numbers(field: str) -> bool:
    """Whether `field` is one or more numbers and nothing else (`2`, `1 2`, `1;2`)."""
    words = field.translate(_SPACED).split()
    return bool(words) and all(_is_number(word) for word in words)


def _is_header(fields: list[str]) -> bool:
    """A first line of names, like `x,y` or `trial 1,trial 2`: no field is only numbers.

    A first line of numbers in the wrong shape (`1 2`, `1,2,3`) is a malformed row of data,
    whose error names line 1, not a header to skip.
    """
    return not any(_is_numbers(field) for field in fields)


def _wrong_count(line: int, found: int) -> InvalidDataError:
    hint = "; separate x and y with a comma, a semicolon or a tab" if found == 1 else ""
    return InvalidDataError(f"line {line}: expected two values, x and y, found {found}{hint}")


def _first_lines(text: str, count: int) -> list[str]:
    """Up to `count` non-blank lines from the start of `text`, reading no further than needed."""
    lines: list[str] = []
    for line in io.StringIO(text):
        if line.strip():
            lines.append(line)
            if len(lines) == count:
                break
    return lines


def delimiter_of(text: str) -> str:
    """The delimiter that separates exactly two columns on each of the first lines.

    `1,5;2,5` (decimal commas) is split on `;`, since `,` would give three columns there. When
    none fits every line, commas: the error then names the first line that is wrong.
    """
    lines = _first_lines(text, SNIFFED_LINES)
    for delimiter in DELIMITERS:
        if lines and all(line.count(delimiter) == 1 for line in lines):
            return delimiter
    return ","


def _records(reader: "Reader") -> Iterator[list[str]]:
    """The reader's records; its own errors (a huge field) raised as InvalidDataError."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidDataError(f"line {reader.line_num}: {error}") from None


def parse_points_csv(text: str, max_points: int) -> tuple[list[float], list[float]]:
    """Read x and y from CSV text; raise InvalidDataError naming the line that is wrong.

    Commas, semicolons or tabs separate the two columns; blank lines are skipped. The line
    numbers in messages are those a text editor shows.
    """
    xs: list[float] = []
    ys: list[float] = []
    # Files saved on Windows start with a byte-order mark, old Macs' end lines with a bare
    # CR, which the csv module refuses outside quotes.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(text))
    first_record = True
    for raw_fields in _records(reader):
        line = reader.line_num  # A quoted field may span lines: this is the record's last.
        fields = [field.strip() for field in raw_fields]
        if not any(fields):
            continue
        if first_record:  # The header, if any, is the first line that is not blank.
            first_record = False
            if _is_header(fields):
                continue
        if len(fields) != 2:
            raise _wrong_count(line, len(fields))
        if len(xs) == max_points:
            raise InvalidDataError(f"line {line}: more than the {max_points} points allowed")
        xs.append(_number(fields[0], "x", line))
        ys.append(_number(fields[1], "y", line))
    return xs, ys
