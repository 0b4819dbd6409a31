"""Comparing runs in the browser: two learning rates overlaid, runs added and removed."""

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.owners import owner_headers

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

LOADED = "body[data-ready=true][data-loading=false]"
RECENT_KEY = "stepwise.recentRuns"


def create_run(live_server, learning_rate: float, steps: int = 30, **settings) -> str:
    base = live_server.base_url
    body = {"learning_rate": learning_rate, **settings}
    run = httpx.post(f"{base}/api/runs", json=body).json()
    response = httpx.post(
        f"{base}/api/runs/{run['id']}/step",
        json={"n": steps},
        headers=owner_headers(run),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return str(run["id"])


def api_run(live_server, run_id: str) -> dict:
    return httpx.get(f"{live_server.base_url}/api/runs/{run_id}").json()


def open_compare(page: Page, live_server, *run_ids: str) -> None:
    query = f"?runs={','.join(run_ids)}" if run_ids else ""
    page.goto(f"{live_server.base_url}/compare{query}")
    page.wait_for_selector(LOADED)


def traces(page: Page, chart: str, role: str = "run") -> list[dict]:
    """The traces Plotly drew in a chart for one role: a run's curve, its end, its answer."""
    return page.evaluate(
        """([chart, role]) => document.getElementById(chart).data
             .filter((t) => t.meta && t.meta.role === role)
             .map((t) => ({ run: t.meta.run, x: t.x, y: t.y, name: t.name }))""",
        [f"compare-{chart}-chart", role],
    )


def legend_row(page: Page, run_id: str):
    return page.locator(f'#compare-legend tbody tr[data-run="{run_id}"]')


def address_runs(page: Page) -> list[str]:
    match = re.search(r"[?&]runs=([^&]*)", page.url)
    return match.group(1).split(",") if match else []


def test_two_learning_rates_overlaid_then_a_third_run_ticked(page, live_server, screenshot):
    slow = create_run(live_server, 0.002)
    fast = create_run(live_server, 0.006)
    open_compare(page, live_server, slow, fast)

    losses = traces(page, "loss")
    assert [t["run"] for t in losses] == [slow, fast]
    for trace, run_id in zip(losses, (slow, fast), strict=True):
        history = api_run(live_server, run_id)["history"]
        assert trace["x"] == list(range(31))  # Step 0, the loss before any update, then 30.
        assert trace["y"][1:] == [r["loss_after"] for r in history]
    assert losses[1]["y"][-1] < losses[0]["y"][-1], "lr 0.006 should be lower after 30 steps"
    assert page.evaluate("document.getElementById('compare-loss-chart').layout.yaxis.type") == "log"
    paths = traces(page, "path")
    assert [t["run"] for t in paths] == [slow, fast]
    assert all(len(t["x"]) == 31 for t in paths)
    # Both runs fit the sample's points: one shared answer, and the page says why.
    assert len(traces(page, "path", "answer")) == 1
    expect(page.locator("#compare-data-note")).to_contain_text("the same points")

    expect(page.locator("#compare-legend tbody tr")).to_have_count(2)
    expect(legend_row(page, slow)).to_contain_text("0.002")
    expect(legend_row(page, fast)).to_contain_text("0.006")
    expect(legend_row(page, fast)).to_contain_text("GradientDescentOptimizer")
    expect(legend_row(page, slow).get_by_role("link", name="Run 1")).to_have_attribute(
        "href", f"/runs/{slow}"
    )
    expect(page.locator("#status")).to_be_hidden()

    # A corrupt list in storage is ignored, and the run page remembers a run all the same.
    page.evaluate(f"localStorage.setItem('{RECENT_KEY}', '{{not json')")
    open_compare(page, live_server, slow, fast)
    expect(page.locator("#recent-empty")).to_be_visible()
    diverging = create_run(live_server, 0.02, steps=200)
    assert api_run(live_server, diverging)["diverged"]
    page.goto(f"{live_server.base_url}/runs/{diverging}")
    page.wait_for_selector("body[data-ready=true]")
    remembered = page.evaluate(f"JSON.parse(localStorage.getItem('{RECENT_KEY}'))")
    assert [r["id"] for r in remembered] == [diverging]
    assert remembered[0]["learning_rate"] == 0.02
    assert remembered[0]["optimizer"] == "gradient_descent"

    # Tick it in the picker: it joins the charts and the address.
    open_compare(page, live_server, slow, fast)
    expect(page.locator("#recent-empty")).to_be_hidden()
    page.locator(f'#recent-runs input[value="{diverging}"]').check()
    page.wait_for_selector(LOADED)
    expect(page).to_have_url(re.compile(rf"[?&]runs={slow},{fast},{diverging}(&|$)"))
    assert [t["run"] for t in traces(page, "loss")] == [slow, fast, diverging]
    assert len(traces(page, "path")) == 3
    # The diverged run's curve ends at its last finite loss, marked with the step it overflowed.
    diverged_at = api_run(live_server, diverging)["diverged_at"]
    [mark] = traces(page, "loss", "diverged")
    assert mark["run"] == diverging and mark["x"][0] == diverged_at - 1
    expect(legend_row(page, diverging)).to_contain_text(f"yes, at step {diverged_at}")
    expect(legend_row(page, diverging)).to_contain_text("overflow")
    screenshot(page, "compare")

    # The address is the comparison: opened again, it shows the same three runs.
    open_compare(page, live_server, *address_runs(page))
    expect(page.locator("#compare-legend tbody tr")).to_have_count(3)
    expect(page.locator(f'#recent-runs input[value="{diverging}"]')).to_be_checked()


def test_a_scheduled_runs_row_names_its_schedule(page, live_server):
    constant = create_run(live_server, 0.004)
    decay = {"name": "exponential_decay", "decay_steps": 10, "decay_rate": 0.5}
    scheduled = create_run(live_server, 0.004, learning_rate_schedule=decay)
    open_compare(page, live_server, constant, scheduled)
    expect(legend_row(page, scheduled)).to_contain_text(
        "exponential_decay(decay_steps=10, decay_rate=0.5, staircase=False)"
    )
    expect(legend_row(page, constant)).not_to_contain_text("decay")


def test_pasted_links_unknown_runs_and_a_narrow_screen(browser, live_server, screenshot):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        first = create_run(live_server, 0.002)
        second = create_run(live_server, 0.1, optimizer={"name": "adam"})
        open_compare(page, live_server, first, "no-such-run")
        expect(legend_row(page, "no-such-run")).to_contain_text(
            "Run no-such-run could not be loaded"
        )
        assert [t["run"] for t in traces(page, "loss")] == [first]
        expect(page.locator("#status")).to_contain_text("Add at least two runs")

        page.fill("#add-run-input", "not a link")
        page.click("#add-run-form button[type=submit]")
        expect(page.locator("#add-run-message")).to_contain_text("not a run's link")
        page.fill("#add-run-input", f"{live_server.base_url}/runs/{second}")
        page.click("#add-run-form button[type=submit]")
        page.wait_for_selector(LOADED)
        assert address_runs(page) == [first, "no-such-run", second]
        assert [t["run"] for t in traces(page, "loss")] == [first, second]
        expect(page.locator("#status")).to_be_hidden()
        # Gradient descent and Adam on the same data: the optimizer and its parameters are shown.
        expect(legend_row(page, second)).to_contain_text("AdamOptimizer")
        expect(legend_row(page, second)).to_contain_text("beta1=0.9, beta2=0.999, epsilon=1e-8")
        expect(legend_row(page, first)).to_contain_text("GradientDescentOptimizer")

        legend_row(page, "no-such-run").get_by_role("button").click()
        assert address_runs(page) == [first, second]
        # The language links keep the comparison.
        href = page.locator('.languages a[hreflang="zh-Hans"]').get_attribute("href")
        assert href is not None and f"runs={first},{second}" in href and "lang=zh" in href

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 375, f"the page scrolls sideways: {scroll_width} px"
        screenshot(page, "compare-narrow")
        assert errors == [], errors
    finally:
        context.close()


def test_a_run_that_does_not_exist_is_refused_not_added(page, live_server):
    first = create_run(live_server, 0.002, steps=5)
    # A run this browser opened once, since deleted (the store's retention sweeps old runs).
    gone = {
        "id": "gone-run",
        "created_at": "2026-01-01T00:00:00Z",
        "learning_rate": 0.1,
        "optimizer": "adam",
        "loss": "l2_loss",
        "num_points": 5,
    }
    page.goto(f"{live_server.base_url}/compare")
    page.evaluate(f"localStorage.setItem('{RECENT_KEY}', JSON.stringify([{json.dumps(gone)}]))")
    open_compare(page, live_server, first)

    page.fill("#add-run-input", f"{live_server.base_url}/runs/no-such-run")
    page.click("#add-run-form button[type=submit]")
    message = page.locator("#add-run-message")
    expect(message).to_have_text(
        "Run no-such-run was not added: there is no run with this id on this server."
    )
    expect(message).to_have_attribute("data-kind", "error")
    page.wait_for_selector(LOADED)
    expect(page.locator("#compare-legend tbody tr")).to_have_count(1)
    assert address_runs(page) == [first]
    # What was pasted stays, to be corrected.
    expect(page.locator("#add-run-input")).to_have_value(f"{live_server.base_url}/runs/no-such-run")

    ticked = page.locator('#recent-runs input[value="gone-run"]')
    ticked.click()  # Not check(): the page may untick it before check() would look.
    expect(message).to_contain_text("Run gone-run was not added")
    expect(ticked).not_to_be_checked()
    expect(page.locator("#compare-legend tbody tr")).to_have_count(1)
    assert address_runs(page) == [first]

    # A run that exists is added as before.
    second = create_run(live_server, 0.004, steps=5)
    page.fill("#add-run-input", second)
    page.click("#add-run-form button[type=submit]")
    expect(message).to_have_text(f"Added run {second}.")
    page.wait_for_selector(LOADED)
    assert address_runs(page) == [first, second]
    assert [t["run"] for t in traces(page, "loss")] == [first, second]


def test_no_runs_explains_how_to_add_them(page, live_server):
    open_compare(page, live_server)
    expect(page.locator("#status")).to_contain_text("Add at least two runs")
    expect(page.locator("#compare-legend tbody tr")).to_have_count(0)
    assert traces(page, "loss") == []


def test_the_recent_list_keeps_30_runs_newest_first_and_survives_missing_storage(page, live_server):
    open_compare(page, live_server)
    result = page.evaluate(
        """async () => {
          // Beside the page's entry module, at the static files' versioned address.
          const entry = document.querySelector("script[type=module]").src;
          const module = new URL("../model/recent-runs.js", entry).href;
          const { rememberRun, recentRuns } = await import(module);
          const sample = { learning_rate: 0.002, optimizer: "gradient_descent", loss: "l2_loss",
                           num_points: 5 };
          const run = (i, config = sample) =>
            ({ id: `run-${i}`, created_at: "2026-01-01T00:00:00Z", config });
          for (let i = 0; i < 35; i += 1) rememberRun(run(i));
          rememberRun(run(10, { learning_rate: 0.1, optimizer: "adam", loss: "mean_squared_error",
                                num_points: 7 }));
          const kept = recentRuns();
          Object.defineProperty(window, "localStorage", { get() { throw new Error("blocked"); } });
          rememberRun(run(99));
          return { kept, blocked: recentRuns() };
        }"""
    )
    kept = result["kept"]
    assert len(kept) == 30
    assert [r["id"] for r in kept[:3]] == ["run-10", "run-34", "run-33"]
    assert kept[0] == {
        "id": "run-10",
        "created_at": "2026-01-01T00:00:00Z",
        "learning_rate": 0.1,
        "optimizer": "adam",
        "loss": "mean_squared_error",
        "num_points": 7,
    }
    assert kept[1]["optimizer"] == "gradient_descent" and kept[1]["loss"] == "l2_loss"
    assert "run-4" not in [r["id"] for r in kept]  # The oldest were let go.
    assert result["blocked"] == []
