"""Under the real Content-Security-Policy every page works and draws whole, nothing is refused,
and nothing is fetched from anywhere but the server.

Violations are collected three ways: the page's `securitypolicyviolation` events (reported to
the test through an exposed function, so they survive the page moving to a new run), console
messages about the Content Security Policy, and uncaught errors.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, TEACHER_TOKEN
from tests.e2e.lazy_panels import show_everything
from tests.e2e.test_compare import LOADED, create_run
from tests.e2e.test_dashboard import READY, open_run, run_id_of
from tests.e2e.test_experiment import follow_to_new_run

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

WIDTHS = [1440, 375]
# Plotly, fetched from the server's own copy, at its versioned address, for the first chart drawn.
PLOTLY_PATH = re.compile(r"/vendor/plotly/[0-9a-f]+/plotly-cartesian\.min\.js$")
RUN_CHARTS = ["fit-chart", "loss-chart", "slope-chart", "surface-chart"]
COMPARE_CHARTS = ["compare-loss-chart", "compare-path-chart"]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile}:${event.lineNumber} (${event.sample})`,
  );
});
"""

# Everything Plotly must have drawn inside each chart's own box: the SVG layers with traces,
# the modebar, and the axis titles. Without its styles the modebar and titles fall outside.
CHART_PARTS = """(id) => {
  const chart = document.getElementById(id);
  const box = chart.getBoundingClientRect();
  const inside = (element) => {
    const r = element.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1
      && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  };
  const titles = [...chart.querySelectorAll(".xtitle, .ytitle, .gtitle")];
  const modebar = chart.querySelector(".modebar");
  return {
    width: box.width,
    height: box.height,
    mainSvg: chart.querySelectorAll("svg.main-svg").length,
    traces: chart.querySelectorAll("svg.main-svg .cartesianlayer .trace").length,
    modebar: Boolean(modebar),
    modebarInside: Boolean(modebar) && inside(modebar),
    modebarButtons: modebar ? modebar.querySelectorAll(".modebar-btn").length : 0,
    titles: titles.length,
    titlesOutside: titles.filter((title) => !inside(title)).map((title) => title.textContent),
  };
}"""


@dataclass
class Watch:
    """What one browser context did: CSP violations, console reports, errors and requests."""

    origin: str
    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def outside_requests(self) -> list[str]:
        # data: and blob: URLs are the page's own bytes (Plotly's PNG export), no host at all.
        own = (f"{self.origin}/", "data:", "blob:")
        return [url for url in self.requests if not url.startswith(own)]

    def assert_clean(self) -> None:
        assert self.violations == [], self.violations
        assert self.console == [], self.console
        assert self.errors == [], self.errors
        assert self.outside_requests() == []
        assert self.requests, "no request was recorded"

    def assert_plotly_from_origin(self) -> None:
        plotly = [url for url in self.requests if PLOTLY_PATH.search(url)]
        assert plotly, "Plotly was never requested"
        assert all(url.startswith(f"{self.origin}/") for url in plotly), plotly


@contextmanager
def watched_page(browser: Browser, origin: str, width: int) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    watch = Watch(origin)
    context.expose_function("reportCspViolation", lambda text: watch.violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    context.on("request", lambda request: watch.requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            watch.console.append(message.text)
            if "content security policy" in message.text.lower()
            else None
        ),
    )
    try:
        yield page, watch
    finally:
        context.close()


def assert_charts_whole(page: Page, chart_ids: list[str]) -> None:
    for chart_id in chart_ids:
        parts = page.evaluate(CHART_PARTS, chart_id)
        assert parts["width"] > 0 and parts["height"] > 0, (chart_id, parts)
        assert parts["mainSvg"] >= 1 and parts["traces"] >= 1, (chart_id, parts)
        assert parts["modebar"] and parts["modebarButtons"] >= 3, (chart_id, parts)
        assert parts["modebarInside"], (chart_id, parts)
        assert parts["titles"] >= 2 and parts["titlesOutside"] == [], (chart_id, parts)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_run_page_works_under_the_policy(browser, live_server, screenshot, width):
    with watched_page(browser, live_server.base_url, width) as (page, watch):
        open_run(page, f"{live_server.base_url}/")
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text("1")
        page.click("#run-button")
        expect(page.locator("#readout-step")).to_have_text("51", timeout=30_000)
        # Every chart and the graph, drawn as the learner scrolls to them.
        show_everything(page)

        # The graph view: a node's value is read from the session.
        page.locator('g.node[data-name="loss"]').click()
        expect(page.locator("#graph-node")).to_contain_text("loss (L2Loss)")
        # Each chart's PNG: Plotly draws it through data: and blob: URLs.
        for chart in ("fit", "surface"):
            page.click("#export-button")  # In the Download menu.
            with page.expect_download() as download:
                page.click(f'.png-button[data-chart="{chart}"]')
            assert download.value.suggested_filename.endswith(f"-{chart}.png")
        # Hover labels are drawn with inline styles; the last hover leaves the fit's modebar up.
        page.locator("#surface-chart").hover()
        page.locator("#fit-chart").hover()
        assert_charts_whole(page, RUN_CHARTS)
        screenshot(page, f"security-run-{width}")
        for chart_id in ("fit-chart", "surface-chart"):
            page.locator(f"#{chart_id}").screenshot(
                path=ARTIFACTS / f"security-{chart_id}-{width}.png"
            )

        # The New run dialog, submitted: the page moves to the new run.
        old_id = run_id_of(page)
        page.click("#new-run-button")
        expect(page.locator("#new-run-dialog")).to_be_visible()
        screenshot(page, f"security-new-run-{width}")
        page.click("#new-run-submit")
        follow_to_new_run(page, old_id)
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text("1")
        show_everything(page)
        assert_charts_whole(page, RUN_CHARTS)
        watch.assert_clean()
        watch.assert_plotly_from_origin()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_compare_page_works_under_the_policy(browser, live_server, screenshot, width):
    origin = live_server.base_url
    runs = [create_run(live_server, 0.002, 20), create_run(live_server, 0.006, 20)]
    with watched_page(browser, origin, width) as (page, watch):
        page.goto(f"{origin}/compare?runs={','.join(runs)}")
        page.wait_for_selector(LOADED)
        assert_charts_whole(page, COMPARE_CHARTS)
        screenshot(page, f"security-compare-{width}")
        watch.assert_clean()


def test_the_teacher_page_and_an_assignment_link_work_under_the_policy(browser, live_server):
    origin = live_server.base_url
    with watched_page(browser, origin, 375) as (page, watch):
        page.goto(f"{origin}/class?token={TEACHER_TOKEN}")
        page.wait_for_selector(READY)
        page.fill('input[name="lr"]', "0.05")
        page.check('[data-lock-for="lr"]')
        expect(page.locator("#assignment-link")).to_have_value(f"{origin}/new?lr=0.05&lock=lr")
        open_run(page, f"{origin}/new?lr=0.05&lock=lr")
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text("1")
        show_everything(page)
        assert_charts_whole(page, RUN_CHARTS)
        watch.assert_clean()
        watch.assert_plotly_from_origin()


def test_the_api_docs_work_offline_under_the_policy(browser, live_server, screenshot):
    with watched_page(browser, live_server.base_url, 1440) as (page, watch):
        page.goto(f"{live_server.base_url}/docs")
        operation = page.locator(".opblock-summary-path", has_text="/api/runs/{run_id}/step")
        expect(operation.first).to_be_visible(timeout=20_000)
        operation.first.click()
        expect(page.locator(".opblock-body").first).to_be_visible()
        screenshot(page, "security-docs")
        watch.assert_clean()
        assert any(url.endswith("/openapi.json") for url in watch.requests)


def test_a_violation_would_be_seen(browser, live_server):
    """The watch is not blind: an inline script on one of our pages is refused and reported."""
    with watched_page(browser, live_server.base_url, 1440) as (page, watch):
        page.goto(f"{live_server.base_url}/compare")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.ranInline = true;";
              document.body.append(script);
            }"""
        )
        page.wait_for_timeout(300)
        assert page.evaluate("window.ranInline === undefined")
        assert any("script-src" in violation for violation in watch.violations), watch
        assert any("Content Security Policy" in message for message in watch.console), watch
