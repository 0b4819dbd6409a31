"""The guided lesson is rendered where the browser left it, or where a teacher's link points."""

import re

import pytest

from app.api.lesson import LessonPlace, lesson_place
from tests.api.test_pages import run_page_url


@pytest.mark.parametrize(
    ("query", "cookie", "place"),
    [
        (None, None, LessonPlace(stop=1, open=True)),  # A first visit: the lesson, at the start.
        (None, "open-4", LessonPlace(stop=4, open=True)),
        (None, "closed-3", LessonPlace(stop=3, open=False)),  # Hidden stays hidden.
        ("5", "closed-3", LessonPlace(stop=5, open=True)),  # A teacher's link opens it.
        ("7", "open-2", LessonPlace(stop=2, open=True)),  # Not a stop: the link is ignored.
        ("٣", None, LessonPlace(stop=1, open=True)),  # A digit, but not an ASCII one.
        (None, "open-9", LessonPlace(stop=1, open=True)),
        (None, "shut-2", LessonPlace(stop=1, open=True)),
        (None, "open-" + "1" * 10_000, LessonPlace(stop=1, open=True)),
    ],
)
def test_the_lesson_opens_at_the_linked_stop_else_where_it_was_left(query, cookie, place):
    assert lesson_place(query, cookie) == place


def shown_stop(html: str) -> int:
    """The stop the page renders visible: the only stop without `hidden`."""
    shown = re.findall(r'id="lesson-stop-(\d)"[^>]*data-target="[^"]+" >', html)
    assert len(shown) == 1
    return int(shown[0])


def test_the_run_page_renders_the_lesson_open_at_the_question(client):
    location = run_page_url(client)
    page = client.get(location).text
    assert "how does that change weights, and why does loss.eval() not?" in page
    assert 'class="card lesson"' in page and 'class="run-top with-lesson"' in page
    assert shown_stop(page) == 1
    assert "weights = [b, m]: the line y = b + m·x" in page  # Beside the readouts.


def test_a_teachers_link_to_a_stop_survives_the_start_of_a_run(client):
    location = run_page_url(client, lesson="3")
    assert location.endswith("?lesson=3")
    assert shown_stop(client.get(location).text) == 3
    assert run_page_url(client, lesson="../x").count("lesson") == 0  # Only a stop goes along.


def test_a_hidden_lesson_is_rendered_folded_to_one_line(client):
    location = run_page_url(client)
    client.cookies.set("stepwise_lesson", "closed-2")
    page = client.get(location).text
    assert 'class="card lesson folded"' in page and 'class="run-top"' in page
    button = re.search(r'id="lesson-open"[^>]*>([^<]*)<', page.replace("\n", " "))
    assert button and button.group(1) == "Open the lesson (stop 2 of 6)"


def test_the_lesson_speaks_chinese_too(client):
    page = client.get(run_page_url(client, lang="zh")).text
    assert "我调用 update_weights.run() 五十次" in page
