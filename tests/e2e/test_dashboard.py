"""What a learner sees in the browser, checked against the run's own API record."""

import re
import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from app.i18n import messages
from tests.e2e.lazy_panels import CHARTS, show_chart
from tests.owners import owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

READY = "body[data-ready=true]"


def format_number(value: float) -> str:
    """The page's formatNumber for values it shows in plain notation (1e-4 to 1e6)."""
    assert 1e-4 <= abs(value) < 1e6, value
    return repr(float(f"{value:.5g}")).removesuffix(".0")


def open_run(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(READY)


def readout(page: Page, name: str) -> str:
    return page.locator(f"#readout-{name}").inner_text()


def trace_length(page: Page, chart_id: str, trace: int = 0) -> int:
    """The points of one trace of a chart; -1 while the chart is not drawn yet."""
    return page.evaluate(f"document.getElementById('{chart_id}').data?.[{trace}]?.y.length ?? -1")


def eventually(condition, timeout: float = 10.0) -> None:
    """Wait until `condition()` holds: charts redraw on the next animation frame."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.1)


def chart_data(page: Page, chart_id: str) -> list[dict]:
    """The x and y of every trace Plotly drew in a chart."""
    return page.evaluate(
        f"document.getElementById('{chart_id}').data.map((t) => ({{ x: t.x, y: t.y }}))"
    )


def api_run(live_server, run_id: str) -> dict:
    return httpx.get(f"{live_server.base_url}/api/runs/{run_id}").json()


def run_id_of(page: Page) -> str:
    match = re.search(r"/runs/([A-Za-z0-9_-]+)$", page.url)
    assert match, page.url
    return match.group(1)


def test_run_50_fits_the_line_and_the_link_shows_the_same_run(
    page, browser, live_server, screenshot
):
    open_run(page, f"{live_server.base_url}/")
    run_id = run_id_of(page)
    expect(page.locator("#readout-step")).to_have_text("0")
    expect(page.locator("#share-link")).to_have_value(f"{live_server.base_url}/runs/{run_id}")

    page.click("#run-button")
    expect(page.locator("#stop-button")).to_be_enabled()
    expect(page.locator("#readout-step")).to_have_text("50", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("Ran 50 steps")

    history = api_run(live_server, run_id)["history"]
    assert len(history) == 50
    last = history[-1]
    shown_loss = float(readout(page, "loss"))
    assert shown_loss == float(format_number(last["loss_after"]))
    assert shown_loss < history[0]["loss_after"]
    assert readout(page, "b") == format_number(last["weights_after"]["b"])
    assert readout(page, "m") == format_number(last["weights_after"]["m"])
    eventually(lambda: trace_length(page, "loss-chart") == 50)  # Drawn after the readouts.
    loss_curve = page.evaluate("document.getElementById('loss-chart').data[0].y")
    assert loss_curve == [r["loss_after"] for r in history]
    screenshot(page, "run-50")

    # A classmate opens the shared link in a browser of their own.
    classmate = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        other = classmate.new_page()
        open_run(other, page.locator("#share-link").input_value())
        assert readout(other, "step") == "50"
        assert readout(other, "loss") == readout(page, "loss")
        eventually(lambda: trace_length(other, "loss-chart") == 50)
        for shown in (page, other):  # Both have asked the session to explain step 50.
            expect(shown.locator("#shares-table tbody tr")).to_have_count(5)
            for chart in CHARTS:  # Each drawn once scrolled to.
                show_chart(shown, chart)
        for chart in CHARTS:
            eventually(lambda chart=chart: chart_data(other, chart) == chart_data(page, chart))
    finally:
        classmate.close()


def test_copy_link_puts_the_run_url_on_the_clipboard(browser, live_server):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.base_url)
    try:
        page = context.new_page()
        open_run(page, f"{live_server.base_url}/")
        page.click("#copy-button")
        expect(page.locator("#status")).to_contain_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
    finally:
        context.close()


def test_step_and_reset(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    run_id = run_id_of(page)
    initial_loss = readout(page, "loss")
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
    record = api_run(live_server, run_id)["history"][0]
    assert readout(page, "loss") == format_number(record["loss_after"])
    assert readout(page, "b") == format_number(record["weights_after"]["b"])
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("2")
    eventually(lambda: trace_length(page, "loss-chart") == 2)  # Drawn after the readouts.

    page.click("#reset-button")
    page.click("#reset-confirm")  # It asks first: the run has steps (see test_run_controls.py).
    expect(page.locator("#readout-step")).to_have_text("0")
    assert readout(page, "loss") == initial_loss
    eventually(lambda: trace_length(page, "loss-chart") == 0)
    assert api_run(live_server, run_id)["history"] == []


def test_a_diverging_run_says_so(page, live_server, screenshot):
    run = httpx.post(f"{live_server.base_url}/api/runs", json={"learning_rate": 1.0}).json()
    open_run(page, owner_url(live_server.base_url, run))
    page.click("#run-button")
    status = page.locator("#status")
    expect(status).to_contain_text("diverged at step", timeout=30_000)
    expect(status).to_contain_text("learning rate 1")
    expect(page.locator("#step-button")).to_be_disabled()
    expect(page.locator("#run-button")).to_be_disabled()
    screenshot(page, "diverged")

    # Reloading keeps saying so; Reset brings the run back.
    open_run(page, page.url)
    expect(status).to_contain_text("diverged at step")
    page.click("#reset-button")
    page.click("#reset-confirm")
    expect(page.locator("#readout-step")).to_have_text("0")
    expect(page.locator("#step-button")).to_be_enabled()


def test_everything_comes_from_the_server_itself(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_run(page, f"{live_server.base_url}/")
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
    assert requested
    outside = [url for url in requested if not url.startswith(live_server.base_url)]
    assert outside == []
    show_chart(page, "fit-chart")  # Plotly is fetched for the first chart drawn.
    plotly = re.compile(r"/vendor/plotly/[0-9a-f]+/plotly-cartesian\.min\.js$")
    assert any(plotly.search(url) for url in requested)


def test_panels_side_by_side_when_wide_and_stacked_when_narrow(browser, live_server, screenshot):
    url = httpx.post(f"{live_server.base_url}/api/runs").json()["url"]
    for width, side_by_side in [(1440, True), (375, False)]:
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            open_run(page, f"{live_server.base_url}{url}")
            boxes = [page.locator(f"#{c}").bounding_box() for c in ("fit-chart", "loss-chart")]
            if side_by_side:
                assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["x"] < boxes[1]["x"]
            else:
                assert boxes[0]["y"] < boxes[1]["y"] and boxes[0]["x"] == boxes[1]["x"]
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, "the page scrolls sideways"
            screenshot(page, f"layout-{width}")
        finally:
            context.close()


def test_an_unknown_link_explains_itself(page, live_server):
    response = page.goto(f"{live_server.base_url}/runs/not-a-real-run")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("No run with this link")


def test_a_page_that_cannot_load_plotly_says_so_and_still_steps(page, live_server):
    # As a page left open across an upgrade meets it: the old address of Plotly is gone.
    page.route("**/vendor/plotly/**", lambda route: route.abort())
    open_run(page, f"{live_server.base_url}/")
    page.locator("#fit-chart").scroll_into_view_if_needed()
    expect(page.locator("#status")).to_have_text(messages("en")["chart.plotly_missing"])
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
