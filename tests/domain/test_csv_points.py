"""CSV points: the delimiter is found by counting, and no input costs more than linear time."""

import threading

import pytest

from app.domain.csv_points import delimiter_of, parse_points_csv
from app.domain.data import InvalidDataError

# Far more than any parse needs; a parser as slow as csv.Sniffer (which took 23 s for 250
# quotes, growing like their 4th power) would not finish these inputs in days.
HANG_SECONDS = 30


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("x,y\n1,2\n3,4\n", ","),
        ("1;2\n3;4", ";"),
        ("1\t2\n3\t4", "\t"),
        ("1,5;2,5\n3,0;4,0", ";"),  # Decimal commas: only `;` gives two columns on each line.
        ("1 2\n3 4", ","),  # Nothing fits: commas, and the error names the line.
        ("", ","),
    ],
)
def test_the_delimiter_is_the_one_that_gives_two_columns(text, delimiter):
    assert delimiter_of(text) == delimiter


def test_points_are_read_with_a_header_and_blank_lines():
    assert parse_points_csv("x;y\n\n1;2\n 3 ; 4 \n", 10) == ([1.0, 3.0], [2.0, 4.0])


def _parse_in_time(text: str) -> object:
    """Parse on a thread; fail the test if it has not finished after HANG_SECONDS."""
    outcome: list[object] = []

    def parse() -> None:
        try:
            outcome.append(parse_points_csv(text, 1000))
        except InvalidDataError as error:
            outcome.append(error)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    worker.join(HANG_SECONDS)
    assert outcome, "parsing did not finish: super-linear in the input"
    return outcome[0]


@pytest.mark.parametrize(
    "text",
    [
        ',"",\n' + '"' * 100_000 + "a",  # The input that froze the server, 660 times longer.
        '"' * 500_000,
        "1," + '"' * 200_000 + "\n3,4",
        "x,y\n" + "1,2\n" * 1000 + ";" * 500_000,
    ],
)
def test_pathological_text_is_answered_at_once(text):
    outcome = _parse_in_time(text)
    assert isinstance(outcome, (InvalidDataError, tuple))


def test_a_field_past_the_csv_limit_names_its_line():
    with pytest.raises(InvalidDataError, match=r"^line 2: field larger than field limit"):
        parse_points_csv('1,2\n3,"4' + "x" * 200_000, 100)


@pytest.mark.parametrize(
    "text",
    [
        "x,y\n1,2\n2,3",
        "x;y\n1;2\n2;3",
        "time (s),distance (m)\n1,2\n2,3",
        "trial 1,trial 2\n1,2\n2,3",
        '"x","y"\n1,2\n2,3',
    ],
)
def test_a_first_line_of_names_is_a_header(text):
    assert parse_points_csv(text, 10) == ([1.0, 2.0], [2.0, 3.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Once skipped as a "header", leaving a run of 2 points.
        ("1 2\n2,3\n3,4", r"^line 1: expected two values, x and y, found 1; separate x and y"),
        ("1;2\n2,3\n3,4\n5,6\n7,8", r"^line 1: expected two values, x and y, found 1"),
        ("1 abc,2\n2,3\n3,4", r"^line 1: x is not a number: '1 abc'"),
        ("1,2,3\n4,5\n6,7", r"^line 1: expected two values, x and y, found 3$"),
        ("\n\n1 2\n2,3\n3,4", r"^line 3: expected two values"),
    ],
)
def test_a_first_line_with_numbers_in_the_wrong_shape_is_an_error_not_a_header(text, message):
    with pytest.raises(InvalidDataError, match=message):
        parse_points_csv(text, 10)


@pytest.mark.parametrize(
    "text",
    [
        "1,2\r3,4\r5,6",  # Old Macs' line ends: the csv module refused them outside quotes.
        "1,2\r\n3,4\r5,6\n",  # Mixed.
        "\ufeff1,2\n3,4\n5,6",  # A byte-order mark before the first number.
        "\ufeffx,y\n1,2\n3,4\n5,6",  # Before a header.
        "\nx,y\n1,2\n3,4\n5,6",  # A header after a blank first line.
        "\n\n \nx;y\n1;2\n3;4\n5;6",
    ],
)
def test_line_ends_a_byte_order_mark_and_blank_lines_before_the_header_are_read(text):
    assert parse_points_csv(text, 10) == ([1.0, 3.0, 5.0], [2.0, 4.0, 6.0])


def test_the_header_is_only_the_first_line_that_is_not_blank():
    with pytest.raises(InvalidDataError, match="line 3: x is not a number"):
        parse_points_csv("x,y\n1,2\nx,y\n3,4", 10)
