"""The teacher signs in with the form on /class, in Chromium under the real policy, and the
token appears in no address the browser requests nor in the server's log."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TEACHER_TOKEN
from tests.e2e.test_dashboard import READY
from tests.e2e.test_security import watched_page

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

SUBMIT = '#sign-in-form button[type="submit"]'


def sign_in(page: Page, token: str) -> None:
    page.fill('input[name="token"]', token)
    page.click(SUBMIT)


def test_the_teacher_signs_in_with_the_form(browser, live_server, screenshot):
    origin = live_server.base_url
    with watched_page(browser, origin, 375) as (page, watch):
        response = page.goto(f"{origin}/class")
        assert response is not None and response.status == 401
        screenshot(page, "class-sign-in")
        sign_in(page, "not-the-teacher-token")
        expect(page.locator("h1")).to_have_text("That teacher token is not right")
        sign_in(page, TEACHER_TOKEN)
        page.wait_for_selector(READY)
        assert page.url == f"{origin}/class"
        expect(page.locator("#assignment-form")).to_be_visible()
        (cookie,) = [c for c in page.context.cookies() if c["name"] == "stepwise_teacher"]
        assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (
            True,
            "Strict",
            "/class",
        )
        assert TEACHER_TOKEN not in cookie["value"]
        page.reload()  # The cookie alone opens the page.
        page.wait_for_selector(READY)
        watch.assert_clean()  # The form posted under `form-action 'self'`, with no script.
        assert [url for url in watch.requests if TEACHER_TOKEN in url] == []


def test_an_old_token_link_stays_out_of_the_servers_log(page, live_server):
    page.goto(f"{live_server.base_url}/class?token={TEACHER_TOKEN}")
    page.wait_for_selector(READY)
    assert page.url == f"{live_server.base_url}/class"
    log = live_server.log_path.read_text()
    assert '"GET /class?token=[redacted] HTTP/1.1" 303' in log
    assert TEACHER_TOKEN not in log
