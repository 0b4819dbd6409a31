"""A link followed from another site (an LMS, a chat) shows a button instead of starting a run;
the button starts it, and the learner owns it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_dashboard import READY

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def test_an_assignment_link_from_another_site_starts_with_a_button(page, live_server):
    link = f"{live_server.base_url}/new?lr=0.01&lock=lr"
    page.set_content(f'<a id="from-the-lms" href="{link}">Assignment 3</a>')  # Another origin.
    page.click("#from-the-lms")
    expect(page.locator("h1")).to_have_text("Start your teacher's assignment")
    assert page.url == link  # Nothing started yet: the address is still the link's.

    page.click("#start-run")
    page.wait_for_selector(READY)
    assert "/runs/" in page.url and "#owner" not in page.url  # The page kept its token.
    expect(page.locator("#step-button")).to_be_enabled()  # The learner owns the run: Step works.
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
