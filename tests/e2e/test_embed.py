"""A run inside a course page: framed by a site STEPWISE_FRAME_ANCESTORS lists, refused by any
other, and shown compact (the controls and the three panels) with `?embed=1`."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Frame, Page, expect

from bench.load_class import create_assignment
from tests.e2e.test_accessibility import assert_accessible
from tests.server import ServerProcess, free_port

TEACHER_TOKEN = "embed-teacher-token-0123456789"
READY = "body[data-ready=true]"  # The run page's script has started.
ALLOWED_PORT = free_port()
# localhost, where Stepwise is 127.0.0.1: another site, as a course site is.
ALLOWED_ORIGIN = f"http://localhost:{ALLOWED_PORT}"


class CoursePage:
    """A course site's page holding one `<iframe>`, served on a loopback port of its own."""

    def __init__(self, port: int) -> None:
        self.frame_src = ""
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!doctype html><html lang='en'><title>Course</title><h1>Week 3</h1>"
                    f"<iframe src='{page.frame_src}' title='Stepwise run' width='1200' "
                    "height='900'></iframe>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://localhost:{port}/week-3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def framed_server(tmp_path_factory) -> Iterator[ServerProcess]:
    base: Path = tmp_path_factory.mktemp("embed")
    env = {"STEPWISE_TEACHER_TOKEN": TEACHER_TOKEN, "STEPWISE_FRAME_ANCESTORS": ALLOWED_ORIGIN}
    server = ServerProcess(base / "data", base / "server.log", env=env).start()
    yield server
    server.stop()


@pytest.fixture
def course_page() -> Iterator[CoursePage]:
    course = CoursePage(ALLOWED_PORT)
    yield course
    course.close()


@pytest.fixture
def other_site() -> Iterator[CoursePage]:
    course = CoursePage(free_port())
    yield course
    course.close()


def framed(page: Page) -> Frame:
    frame = page.wait_for_selector("iframe").content_frame()
    assert frame is not None
    return frame


def wait_for_the_fit(where: Page | Frame) -> None:
    """Until the fitted line's chart is drawn (charts are drawn once near the screen)."""
    where.wait_for_selector("#fit-chart .scatterlayer .trace", timeout=20_000)


def test_a_course_page_frames_an_assignment_and_its_student_steps_it(
    page: Page, framed_server, course_page, screenshot
):
    link = create_assignment(framed_server.base_url, TEACHER_TOKEN, title="Week 3: fit the line")
    course_page.frame_src = f"{framed_server.base_url}{link}?embed=1"
    page.goto(course_page.url)
    frame = framed(page)
    # Opened inside another site's page, the link asks for a press before starting a run.
    frame.get_by_role("button").click()
    frame.wait_for_selector(READY, timeout=20_000)
    assert frame.url.split("#")[0].endswith("?embed=1")
    # Compact: the assignment, the controls and the three panels; no site header, no lesson.
    expect(frame.get_by_text("Week 3: fit the line")).to_be_visible()
    expect(frame.locator(".site-header")).to_have_count(0)
    expect(frame.locator("#lesson")).to_be_hidden()
    expect(frame.locator("#graph-panel")).to_be_hidden()
    for chart in ("#fit-chart", "#loss-chart", "#slope-chart"):
        expect(frame.locator(chart)).to_be_visible()
    frame.locator("#step-button").click()
    expect(frame.locator("#readout-step")).to_have_text("1", timeout=20_000)
    wait_for_the_fit(frame)
    screenshot(page, "embed-course-page")


def test_a_site_not_listed_cannot_frame_a_run(page: Page, framed_server, other_site):
    run = httpx.post(f"{framed_server.base_url}/api/runs", json={}).json()
    other_site.frame_src = f"{framed_server.base_url}/runs/{run['id']}?embed=1"
    page.goto(other_site.url)
    page.wait_for_load_state("load")
    frame = framed(page)
    # Chromium refuses the frame (its CSP's frame-ancestors) and shows its own error page.
    for _ in range(100):
        if frame.url.startswith("chrome-error://"):
            break
        page.wait_for_timeout(100)
    assert frame.url.startswith("chrome-error://"), frame.url
    expect(frame.locator("#step-button")).to_have_count(0)
    policy = httpx.get(other_site.frame_src).headers["content-security-policy"]
    assert f"frame-ancestors {ALLOWED_ORIGIN}" in policy


def test_the_compact_run_page_is_accessible(page: Page, framed_server, axe_source):
    run = httpx.post(f"{framed_server.base_url}/api/runs", json={}).json()
    page.goto(f"{framed_server.base_url}/runs/{run['id']}?embed=1")
    wait_for_the_fit(page)
    assert_accessible(page, axe_source)


def test_an_embedded_run_with_a_lesson_asked_for_shows_it(page: Page, framed_server):
    run = httpx.post(f"{framed_server.base_url}/api/runs", json={}).json()
    page.goto(f"{framed_server.base_url}/runs/{run['id']}?embed=1&lesson=2")
    expect(page.locator("#lesson")).to_be_visible()
    expect(page.locator("#step-detail")).to_be_visible()
    expect(page.locator(".site-header")).to_have_count(0)
