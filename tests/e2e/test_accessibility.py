"""Every page, in the states a learner or a teacher sees it, checked by a real accessibility
checker: axe-core (the npm package in tests/e2e/package.json, installed by `make test`), run in
Chromium on the live page, with zero violations allowed."""

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TEACHER_TOKEN
from tests.e2e.lazy_panels import show_everything
from tests.e2e.test_compare import LOADED, create_run
from tests.e2e.test_dashboard import READY, open_run
from tests.owners import owner_headers, owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def violations(page: Page, axe_source: str) -> list[dict]:
    """axe-core's violations on the page as it is now. The page's CSP refuses inline script
    tags; evaluate runs the source through the DevTools protocol, which the CSP does not see."""
    page.evaluate(axe_source)
    return page.evaluate(
        """async () => {
             // Colours are read as they end, not halfway through a fade (endless ones aside).
             const fades = document.getAnimations().filter(
               (animation) => animation.effect?.getComputedTiming().endTime !== Infinity,
             );
             await Promise.all(fades.map((animation) => animation.finished.catch(() => {})));
             const results = await axe.run(document, { resultTypes: ["violations"] });
             return results.violations.map((v) => ({
               id: v.id,
               impact: v.impact,
               help: v.help,
               nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
             }));
           }"""
    )


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        count = len(violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}, {count}): {violation['help']}")
        for node in violation["nodes"]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, axe_source: str) -> None:
    found = violations(page, axe_source)
    assert found == [], "axe-core found violations:\n" + describe(found)


def new_run(live_server, steps: int = 0, **settings) -> dict:
    run = httpx.post(f"{live_server.base_url}/api/runs", json=settings).json()
    if steps:
        httpx.post(
            f"{live_server.base_url}/api/runs/{run['id']}/step",
            json={"n": steps},
            headers=owner_headers(run),
            timeout=60,
        ).raise_for_status()
    return run


def open_settled_run(page: Page, url: str) -> None:
    """The run page with everything it fetches after loading drawn: every chart and the graph
    (each drawn once scrolled near, so axe checks them drawn, not empty), and the step."""
    open_run(page, url)
    show_everything(page)
    expect(page.locator("#graph-view g.node").first).to_be_visible(timeout=20_000)
    expect(page.locator('#update-rule [data-part="gradient"]').first).to_be_visible()
    expect(page.locator("#surface-chart .main-svg").first).to_be_attached()


def test_the_owners_run_page(page, live_server, axe_source):
    open_settled_run(page, f"{live_server.base_url}/")
    expect(page.locator("#view-only")).to_be_hidden()
    assert_accessible(page, axe_source)


def test_a_viewers_run_page(page, live_server, axe_source):
    run = new_run(live_server, steps=5)
    open_settled_run(page, f"{live_server.base_url}{run['url']}")  # No owner token.
    expect(page.locator("#view-only")).to_be_visible()
    expect(page.locator("#step-button")).to_be_disabled()
    assert_accessible(page, axe_source)


def test_the_run_page_in_chinese(page, live_server, axe_source):
    run = new_run(live_server)
    open_settled_run(page, f"{live_server.base_url}{run['url']}?lang=zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert_accessible(page, axe_source)


def test_the_run_page_with_the_new_run_dialog_open(page, live_server, axe_source):
    run = new_run(live_server)
    open_settled_run(page, owner_url(live_server.base_url, run))
    page.click("#new-run-button")
    expect(page.locator("#new-run-dialog")).to_be_visible()
    # The page behind a modal dialog is inert: axe checks the dialog.
    assert_accessible(page, axe_source)
    # More of the form: an optimizer's parameters, mini-batches, points typed as CSV.
    page.select_option("#optimizer", "adam")
    page.check('input[name="batch"][value="mini"]')
    page.check('input[name="source"][value="csv"]')
    expect(page.locator("#points-csv")).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_run_page_after_steps_with_a_graph_node_chosen(page, live_server, axe_source):
    # Enough steps for the tables to scroll; mini-batches, so some points sit a step out.
    run = new_run(live_server, steps=50, batch_size=2)
    open_settled_run(page, owner_url(live_server.base_url, run))
    for expected in ("51", "52"):
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text(expected)
    expect(page.locator("#detail-title")).to_have_text("What step 52 did")
    expect(page.locator("#shares-table tbody tr")).to_have_count(5)
    expect(page.locator("#shares-table tr.outside-batch").first).to_be_visible()
    page.check('input[name="graph-highlight"][value="step"]')
    page.locator("#graph-view g.node").first.click()
    expect(page.locator("#graph-node")).not_to_contain_text("Click a node")
    for table in page.locator("details.data-table").all():
        table.locator("summary").click()  # The charts' numbers as tables.
    assert_accessible(page, axe_source)


def test_the_run_page_with_every_group_of_the_graph_open(page, live_server, axe_source):
    # The graph's groups start closed (test_the_owners_run_page checks them so); here every
    # node is shown and every group opened by keyboard, frames inside frames.
    run = new_run(live_server, steps=2)
    open_settled_run(page, owner_url(live_server.base_url, run))
    page.check("#graph-show-stepwise")
    page.check("#graph-show-initializer")
    page.check('input[name="graph-highlight"][value="step"]')
    closed = page.locator('#graph-view [aria-expanded="false"]')
    while closed.count():
        closed.first.focus()
        page.keyboard.press("Enter")
    expect(page.locator("#graph-view .frame-toggle").first).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_compare_page_with_two_runs(page, live_server, axe_source):
    slow = create_run(live_server, 0.002, steps=10)
    fast = create_run(live_server, 0.006, steps=10)
    page.goto(f"{live_server.base_url}/compare?runs={slow},{fast}")
    page.wait_for_selector(LOADED)
    expect(page.locator("#compare-legend tbody tr")).to_have_count(2)
    assert_accessible(page, axe_source)


def test_the_teachers_class_page(page, live_server, axe_source):
    new_run(live_server, steps=2)  # At least one row in the table.
    page.goto(f"{live_server.base_url}/class")
    assert_accessible(page, axe_source)  # The sign-in form.
    page.fill('input[name="token"]', TEACHER_TOKEN)
    page.click('#sign-in-form button[type="submit"]')
    page.wait_for_selector(READY)
    expect(page.locator("#class-table tbody tr").first).to_be_visible()
    assert_accessible(page, axe_source)


def test_the_api_docs_as_loaded_tried_and_answered(page, live_server, axe_source):
    run = new_run(live_server, steps=2)
    page.goto(f"{live_server.base_url}/docs")
    step = page.locator("#operations-runs-step_run_api_runs__run_id__step_post")
    expect(step).to_be_visible(timeout=20_000)
    assert_accessible(page, axe_source)

    # An operation opened and tried: its parameters, its request body, its examples.
    step.locator(".opblock-summary-control").click()
    step.locator(".try-out__btn").click()
    expect(step.locator("textarea.body-param__text")).to_be_visible()
    assert_accessible(page, axe_source)

    # An operation run against the live server: the curl command and the answer.
    get_run = page.locator("#operations-runs-get_run_api_runs__run_id__get")
    get_run.locator(".opblock-summary-control").click()
    get_run.locator(".try-out__btn").click()
    get_run.locator('tr[data-param-name="run_id"] input').fill(run["id"])
    get_run.locator(".execute").click()
    expect(get_run.locator(".response-col_description .microlight").first).to_be_visible()
    assert_accessible(page, axe_source)
