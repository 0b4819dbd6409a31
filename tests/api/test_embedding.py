"""Runs embedded in a course page: which sites may frame Stepwise, and what `?embed=1` shows."""

import re

import pytest
from pydantic import ValidationError

from app.settings import Settings
from tests.api.test_class_assignments import TEACHER, make_assignment
from tests.api.test_security_headers import directives
from tests.navigation import NAVIGATION

COURSE = "https://course.example.edu"


def test_no_site_may_frame_stepwise_by_default(client):
    run = client.post("/api/runs", json={}).json()
    policy = directives(client.get(run["url"]).headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_listed_origins_may_frame_it_and_nothing_else_loosens(client, app_with):
    listed = app_with(frame_ancestors=(COURSE, "http://localhost:8080"))
    run = listed.post("/api/runs", json={}).json()
    response = listed.get(f"{run['url']}?embed=1")
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == [COURSE, "http://localhost:8080"]
    default = directives(client.get(run["url"]).headers["content-security-policy"])
    assert {k: v for k, v in policy.items() if k != "frame-ancestors"} == {
        k: v for k, v in default.items() if k != "frame-ancestors"
    }
    # Browsers that know frame-ancestors ignore this; older ones still show no frame.
    assert response.headers["x-frame-options"] == "DENY"
    # Only the run pages and assignment links may be framed: not the API, the docs or /class.
    for path in (f"/api/runs/{run['id']}", "/docs", "/class", "/"):
        policy = directives(listed.get(path).headers["content-security-policy"])
        assert policy["frame-ancestors"] == ["'none'"], path


@pytest.mark.parametrize(
    ("text", "origins"),
    [
        ("https://course.example.edu", ("https://course.example.edu",)),
        (
            "https://A.example.edu/, http://127.0.0.1:8001",
            ("https://a.example.edu", "http://127.0.0.1:8001"),
        ),
        ("", ()),
    ],
)
def test_frame_ancestors_are_read_as_origins(monkeypatch, text, origins):
    monkeypatch.setenv("STEPWISE_FRAME_ANCESTORS", text)
    assert Settings().frame_ancestors == origins


@pytest.mark.parametrize(
    "text",
    [
        "https://course.example.edu/week-3",
        "https://*.example.edu",
        "javascript:alert(1)",
        "'self'",
        "https://course.example.edu?x=1",
        "https://user@course.example.edu",
        "https://course.example.edu:99999",
        "https://course.example.edu;script-src",
        "ftp://course.example.edu",
        "https://例え.jp",
        "https://exämple.com",
    ],
)
def test_anything_but_an_origin_is_refused_at_start(monkeypatch, text):
    monkeypatch.setenv("STEPWISE_FRAME_ANCESTORS", text)
    with pytest.raises(ValidationError, match="frame_ancestors"):
        Settings()


def test_origins_given_in_code_are_checked_too():
    with pytest.raises(ValidationError, match="frame_ancestors"):
        Settings(frame_ancestors=("x; script-src *",))
    assert Settings(frame_ancestors=["https://A.example.edu"]).frame_ancestors == (
        "https://a.example.edu",
    )


def test_an_embedded_run_page_is_compact_unless_a_lesson_is_asked_for(client):
    run = client.post("/api/runs", json={}).json()
    full = client.get(run["url"]).text
    assert 'class="site-header"' in full and "<body>" in full
    compact = client.get(f"{run['url']}?embed=1").text
    assert 'class="site-header"' not in compact
    assert '<body class="embed compact">' in compact
    assert 'class="run-top"' in compact  # The lesson is not open beside the controls.
    with_lesson = client.get(f"{run['url']}?embed=1&lesson=2").text
    assert '<body class="embed">' in with_lesson
    assert 'class="run-top with-lesson"' in with_lesson
    assert 'class="site-header"' not in with_lesson


def test_an_embedded_assignment_link_keeps_the_run_page_embedded(teacher_client):
    made = make_assignment(teacher_client, settings="", title="Week <3>")
    started = teacher_client.get(
        f"{made['link']}?embed=1", headers=NAVIGATION, follow_redirects=False
    )
    assert started.status_code == 303
    assert re.fullmatch(r"/runs/[\w-]+\?embed=1#owner=[\w%-]+", started.headers["location"])
    live = teacher_client.get(made["live"], headers=TEACHER).text
    snippet = (
        f"&lt;iframe src=&#34;http://testserver/a/{made['id']}?embed=1&#34; "
        "title=&#34;Week &amp;lt;3&amp;gt;&#34;"
    )
    assert snippet in live
    assert "STEPWISE_FRAME_ANCESTORS" in live  # No site is allowed yet: it says how.
