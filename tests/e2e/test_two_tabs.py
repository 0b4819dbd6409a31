"""Two tabs of one owner on the same run (issue #12): what one tab does, the other shows without
being touched, and its next action works from the run as it is."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_dashboard import api_run, open_run, run_id_of

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

CHANGED = "Another tab changed this run"


@pytest.fixture
def two_tabs(browser, live_server):
    """Tab A opens a new run, tab B the same run in the same browser: both are its owner."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    tabs = []
    for _ in range(2):
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tabs.append(tab)
    a, b = tabs
    open_run(a, f"{live_server.base_url}/")
    open_run(b, a.url)
    expect(b.locator("#view-only")).to_be_hidden()
    yield a, b
    context.close()
    assert errors == [], f"JavaScript errors on the pages: {errors}"


def steps_stored(live_server, page: Page) -> int:
    return api_run(live_server, run_id_of(page))["steps"]


def test_a_tab_shows_what_the_other_did_and_acts_from_it(two_tabs, live_server):
    a, b = two_tabs
    a.click("#step-button")
    expect(a.locator("#readout-step")).to_have_text("1")
    expect(b.locator("#readout-step")).to_have_text("1")
    expect(b.locator("#status")).to_contain_text(CHANGED)

    a.click("#run-button")
    expect(a.locator("#status")).to_contain_text("Ran 50 steps", timeout=30_000)
    expect(b.locator("#readout-step")).to_have_text("51")
    expect(b.locator("#timeline")).to_have_value("51")
    expect(b.locator("#fork-button")).to_have_text("Continue from step 51 as a new run")

    # B's Run goes on from step 51, not from the step 1 it had before.
    b.click("#run-button")
    expect(b.locator("#status")).to_contain_text("Ran 50 steps", timeout=30_000)
    expect(b.locator("#readout-step")).to_have_text("101")
    expect(a.locator("#readout-step")).to_have_text("101")
    assert steps_stored(live_server, b) == 101

    # B's Reset keeps every step there is, as its dialog says, and A hears of the reset.
    b.click("#reset-button")
    expect(b.locator("#reset-explain")).to_contain_text("1 to 101")
    b.click("#reset-confirm")
    expect(b.locator("#readout-step")).to_have_text("0")
    expect(b.locator("#reset-kept")).to_contain_text("1 to 101")
    kept = b.locator("#reset-kept-link").inner_text()
    assert api_run(live_server, kept)["steps"] == 101
    expect(a.locator("#readout-step")).to_have_text("0")
    expect(a.locator("#status")).to_contain_text("reset")

    # A's next step is step 1 of the reset run.
    a.click("#step-button")
    expect(a.locator("#readout-step")).to_have_text("1")
    expect(b.locator("#readout-step")).to_have_text("1")
    assert api_run(live_server, run_id_of(a))["history"][0]["step"] == 1
    assert steps_stored(live_server, a) == 1


def test_a_reset_asked_while_the_other_tab_steps_asks_again_with_the_steps_there_are(
    two_tabs, live_server
):
    a, b = two_tabs
    a.click("#step-button")
    expect(b.locator("#readout-step")).to_have_text("1")
    b.click("#reset-button")
    expect(b.locator("#reset-explain")).to_contain_text("1 to 1,")
    a.click("#step-button")  # While B's dialog asks.
    expect(b.locator("#readout-step")).to_have_text("2")
    b.click("#reset-confirm")
    # Not the count it asked about: it asks again, with the steps the run has now.
    expect(b.locator("#reset-dialog")).to_be_visible()
    expect(b.locator("#reset-explain")).to_contain_text("1 to 2,")
    b.click("#reset-confirm")
    expect(b.locator("#reset-kept")).to_contain_text("1 to 2")
    assert api_run(live_server, b.locator("#reset-kept-link").inner_text())["steps"] == 2
    assert steps_stored(live_server, b) == 0


def test_a_viewer_follows_the_owners_steps_and_reset(two_tabs, browser, live_server):
    # A shared link showed the run as it was when opened, its next update still "to come".
    owner, _ = two_tabs
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    viewer = context.new_page()
    open_run(viewer, owner.url)
    expect(viewer.locator("#view-only")).to_be_visible()
    expect(viewer.locator("#readout-step")).to_have_text("0")
    for _ in range(3):
        owner.click("#step-button")
    expect(owner.locator("#readout-step")).to_have_text("3")
    expect(viewer.locator("#readout-step")).to_have_text("3", timeout=15_000)
    expect(viewer.locator("#status")).to_contain_text("Its owner has stepped this run since")
    expect(viewer.locator("#readout-loss")).to_have_text(
        owner.locator("#readout-loss").inner_text()
    )
    owner.click("#reset-button")
    owner.click("#reset-confirm")
    expect(owner.locator("#readout-step")).to_have_text("0")
    expect(viewer.locator("#readout-step")).to_have_text("0", timeout=15_000)
    expect(viewer.locator("#status")).to_contain_text("Its owner has reset this run since")
    context.close()
