"""Assignments the class can see, in Chromium under the real policy: the teacher makes one on
/class, a student follows its short link and sees its title and locks at the top of the run,
and the teacher's live view shows the student's new run and its loss curve without a reload."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TEACHER_TOKEN
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_dashboard import READY, eventually
from tests.e2e.test_security import assert_charts_whole, watched_page

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

LIVE_WITHIN_MS = 5_000  # The page asks every 1.5 s; a loaded test machine gets some slack.


def sign_in_as_teacher(page: Page, origin: str) -> None:
    page.goto(f"{origin}/class")
    page.fill('input[name="token"]', TEACHER_TOKEN)
    page.click('#sign-in-form button[type="submit"]')
    page.wait_for_selector(READY)


def create_assignment(page: Page) -> str:
    """Fill in and create the assignment on /class; the live view opens. Its student link."""
    page.fill("#assignment-title-input", "Too big a step <b>?</b>")
    page.fill("#assignment-instructions-input", "Press Run 50.\nWhat does the loss do?")
    page.fill('input[name="lr"]', "0.003")
    page.check('[data-lock-for="lr"]')
    page.check('[data-lock-for="optimizer"]')
    page.click("#assignment-create")
    page.wait_for_url(re.compile(r"/class/assignments/[A-Za-z0-9_-]+$"))
    page.wait_for_selector(READY)
    expect(page.locator("#live-title")).to_have_text("Too big a step <b>?</b>")
    return page.input_value("#live-link")


def live_curve(page: Page, name: str) -> dict:
    """The x and y of the live chart's trace named `name` (Plotly keeps them on the element)."""
    return page.evaluate(
        """(name) => {
             const trace = document.getElementById("live-chart").data.find((t) => t.name === name);
             return trace ? { x: trace.x, y: trace.y } : null;
           }""",
        name,
    )


def test_a_student_follows_the_link_and_the_teacher_watches_live(
    browser, live_server, screenshot, axe_source
):
    origin = live_server.base_url
    with (
        watched_page(browser, origin, 1440) as (teacher, teacher_watch),
        watched_page(browser, origin, 1440) as (student, student_watch),
    ):
        sign_in_as_teacher(teacher, origin)
        link = create_assignment(teacher)
        assert re.fullmatch(rf"{re.escape(origin)}/a/[A-Za-z0-9_-]{{12}}", link)
        expect(teacher.locator("#live-empty")).to_be_visible()
        teacher.evaluate("window.notReloaded = true")

        # The student follows the link: the run opens with the assignment at its top.
        student.goto(link)
        student.wait_for_selector(READY)
        banner = student.locator("#assignment-banner")
        expect(banner.locator("h2")).to_have_text("Too big a step <b>?</b>")
        expect(banner.locator("#assignment-instructions")).to_have_text(
            "Press Run 50.\nWhat does the loss do?"
        )
        expect(banner.locator('[data-locked="learning_rate"] dd')).to_have_text("0.003")
        expect(banner.locator('[data-locked="optimizer"] dd')).to_have_text(
            "GradientDescentOptimizer"
        )
        expect(banner).to_contain_text("Set by your teacher")
        top = student.evaluate(
            "document.getElementById('assignment-banner').getBoundingClientRect().top"
        )
        assert top < student.evaluate(
            "document.getElementById('run-top').getBoundingClientRect().top"
        )
        # Plotly is fetched when the first chart comes near the screen, and draws its SVG.
        # Not wait_for_function: it polls by evaluating its string in the page, which the
        # page's CSP (no 'unsafe-eval') refuses whenever the first look does not find it.
        expect(student.locator("#loss-chart .main-svg").first).to_be_attached()
        assert_accessible(student, axe_source)
        screenshot(student, "assignment-banner")

        # The teacher sees the new run without a reload, before it has taken a step.
        student_row = teacher.locator("#live-students tbody tr")
        expect(student_row).to_have_count(1, timeout=LIVE_WITHIN_MS)

        # The student names the run (as text, never HTML), then runs it.
        student.fill("#assignment-name", "Ana <img src=x>")
        student.click("#assignment-name-save")
        expect(student.locator("#assignment-name-status")).to_have_text(
            "Saved: your teacher sees “Ana <img src=x>”."
        )
        student.click("#run-button")
        expect(student.locator("#readout-step")).to_have_text("50", timeout=30_000)

        expect(student_row.locator("[data-who]")).to_have_text(
            "Ana <img src=x>", timeout=LIVE_WITHIN_MS
        )
        expect(student_row.locator('[data-cell="steps"]')).to_have_text(
            "50", timeout=LIVE_WITHIN_MS
        )
        eventually(
            lambda: teacher.evaluate(
                """(() => {
                     const trace = document.getElementById("live-chart").data?.[0];
                     return Boolean(trace) && trace.x.length === 50;
                   })()"""
            ),
            timeout=LIVE_WITHIN_MS / 1000,
        )
        curve = live_curve(teacher, "Ana &lt;img src=x&gt;")
        assert curve is not None and curve["x"] == list(range(1, 51))
        assert all(loss is None or loss > 0 for loss in curve["y"])
        assert teacher.evaluate("window.notReloaded") is True
        assert teacher.locator("#live-chart img").count() == 0  # The name was not made HTML.
        assert_charts_whole(teacher, ["live-chart"])
        assert_accessible(teacher, axe_source)
        screenshot(teacher, "class-live-view")

        # The teacher opens it view-only: the name is shown, the form to give one is not.
        with teacher.context.expect_page() as opened:
            student_row.locator("[data-open]").click()
        viewed = opened.value
        viewed.wait_for_selector(READY)
        expect(viewed.locator("#view-only")).to_be_visible()
        expect(viewed.locator("#assignment-name-value")).to_have_text("Ana <img src=x>")
        expect(viewed.locator("#assignment-name")).to_have_count(0)
        viewed.close()

        # The projector view: large type, the same live figures.
        teacher.click("#projector-toggle")
        expect(teacher.locator("body")).to_have_class(re.compile(r"\bprojector\b"))
        expect(teacher.locator("#projector-toggle")).to_have_attribute("aria-pressed", "true")
        assert_accessible(teacher, axe_source)
        screenshot(teacher, "class-live-view-projector")

        teacher_watch.assert_clean()
        student_watch.assert_clean()


def test_the_teacher_forks_a_students_run_to_show_the_class(browser, live_server, axe_source):
    origin = live_server.base_url
    with (
        watched_page(browser, origin, 1440) as (teacher, _),
        watched_page(browser, origin, 1440) as (student, _),
    ):
        sign_in_as_teacher(teacher, origin)
        link = create_assignment(teacher)
        # /class lists it, with its live view.
        teacher.goto(f"{origin}/class")
        teacher.wait_for_selector(READY)
        expect(teacher.locator("#assignment-list li").first).to_contain_text(
            "Too big a step <b>?</b>"
        )
        assert_accessible(teacher, axe_source)
        teacher.locator("#assignment-list li a").first.click()
        teacher.wait_for_selector(READY)
        student.goto(link)
        student.wait_for_selector(READY)
        student.click("#step-button")
        expect(student.locator("#readout-step")).to_have_text("1")
        row = teacher.locator("#live-students tbody tr")
        expect(row.locator('[data-cell="steps"]')).to_have_text("1", timeout=LIVE_WITHIN_MS)
        with teacher.context.expect_page() as opened:
            row.get_by_role("button", name="Fork to show").click()
        fork = opened.value
        fork.wait_for_selector(READY)
        expect(fork.locator("#readout-step")).to_have_text("1")
        expect(fork.locator("#view-only")).to_be_hidden()  # The teacher owns the fork.
        expect(fork.locator("#assignment-banner h2")).to_have_text("Too big a step <b>?</b>")
        mine = teacher.locator("#live-teacher tbody tr")
        expect(mine).to_have_count(1, timeout=LIVE_WITHIN_MS)
        expect(teacher.locator("#live-students tbody tr")).to_have_count(1)
