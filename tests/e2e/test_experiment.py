"""Experimenting from a run page: the learner's own points, new settings, links to a step,
forks and the mini-batch, each checked against the new run's own API record."""

import json
from urllib.parse import parse_qs

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.live_runs import create_run
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_dashboard import READY, api_run, eventually, format_number, open_run

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

CSV_POINTS = [(-2.0, -3.5), (0.0, 1.0), (1.5, 4.25), (3.0, 7.0)]
MALFORMED_CSV = "x,y\n1,2\n3,abc\n"
ADAM_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def page_run(page: Page) -> dict:
    """The run the page shows, as it embeds it."""
    return json.loads(page.locator("#run-data").text_content())


def follow_to_new_run(page: Page, old_id: str) -> dict:
    """Wait until the page has moved to another run and is ready; that run's embedded JSON."""
    page.wait_for_url(lambda url: old_id not in url, timeout=30_000)
    page.wait_for_selector(READY)
    return page_run(page)


def chart_pixel(page: Page, chart_id: str, x: float, y: float) -> tuple[float, float]:
    """Where the data point (x, y) of a drawn chart is on the screen."""
    return page.evaluate(
        """([id, x, y]) => {
            const chart = document.getElementById(id);
            const rect = chart.getBoundingClientRect();
            const { xaxis, yaxis, _size: size } = chart._fullLayout;
            return [rect.left + size.l + xaxis.d2p(x), rect.top + size.t + yaxis.d2p(y)];
        }""",
        [chart_id, x, y],
    )


def axis_ranges(page: Page, chart_id: str) -> tuple[list[float], list[float]]:
    return page.evaluate(
        f"""(() => {{
            const layout = document.getElementById('{chart_id}')._fullLayout;
            return [layout.xaxis.range, layout.yaxis.range];
        }})()"""
    )


def start_editing(page: Page) -> None:
    """Edit points once the fit plot has settled: its legend grows as the explanation of the
    next step arrives, and again as edit mode adds its trace, and the plot area moves with it."""
    expect(page.locator("#shares-table tbody tr").first).to_be_visible()
    page.click("#edit-points")
    # Polled from here: wait_for_function evaluates its string inside the page, which the
    # page's Content-Security-Policy (no 'unsafe-eval') forbids.
    eventually(
        lambda: page.evaluate(
            "document.getElementById('fit-chart').data"
            "?.some((t) => t.name === 'your points (edited)')"
        )
    )


def at_fraction(
    ranges: tuple[list[float], list[float]], fx: float, fy: float
) -> tuple[float, float]:
    """The data point a fraction `fx` across and `fy` up the axes' `ranges`."""
    (x0, x1), (y0, y1) = ranges
    return x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)


def close_up(page: Page, selector: str, name: str) -> None:
    """A screenshot of the panel (figure) or top of the page around `selector`, at full size."""
    element = page.locator(selector).first
    box = page.evaluate(
        """(selector) => {
            const node = document.querySelector(selector);
            const rect = (node.closest("figure") || node).getBoundingClientRect();
            return { x: rect.left + scrollX, y: rect.top + scrollY, width: rect.width,
                     height: Math.min(rect.height, 900) };
        }""",
        selector,
    )
    assert element.count() == 1
    page.screenshot(path=ARTIFACTS / f"{name}.png", clip=box, full_page=True)


def has_point(points: dict, x: float, y: float, tolerance: tuple[float, float]) -> bool:
    return any(
        abs(px - x) <= tolerance[0] and abs(py - y) <= tolerance[1]
        for px, py in zip(points["x"], points["y"], strict=True)
    )


def test_add_drag_and_remove_points_then_start_a_run_with_them(page, live_server, screenshot):
    old = create_run(live_server)
    open_run(page, f"{live_server.base_url}{old['url']}")
    start_editing(page)
    ranges = axis_ranges(page, "fit-chart")
    x_range, y_range = ranges
    # A pixel is at most a few thousandths of the axes; points are rounded to a thousandth.
    tolerance = ((x_range[1] - x_range[0]) / 100, (y_range[1] - y_range[0]) / 100)
    points = old["points"]

    expect(page.locator("#edit-points")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#edit-hint")).to_be_visible()
    # Add: the top-left part of the plot is empty (the sample's points rise to the right).
    added = at_fraction(ranges, 0.15, 0.85)
    assert not has_point(points, *added, tolerance=(tolerance[0] * 5, tolerance[1] * 5))
    page.mouse.click(*chart_pixel(page, "fit-chart", *added))
    count = page.locator("#edited-count")
    expect(count).to_have_text("1 point edited — start a new run with it.")

    # Drag the run's first point to the bottom right.
    start = (points["x"][0], points["y"][0])
    moved = at_fraction(ranges, 0.8, 0.2)
    page.mouse.move(*chart_pixel(page, "fit-chart", *start))
    page.mouse.down()
    page.mouse.move(*chart_pixel(page, "fit-chart", *moved), steps=8)
    page.mouse.up()
    expect(count).to_have_text("2 points edited — start a new run with them.")

    # Shift-click removes the run's second point.
    removed = (points["x"][1], points["y"][1])
    page.keyboard.down("Shift")
    page.mouse.click(*chart_pixel(page, "fit-chart", *removed))
    page.keyboard.up("Shift")
    expect(count).to_have_text("3 points edited — start a new run with them.")
    edited = page.evaluate("document.getElementById('fit-chart').data.at(-1)")
    assert len(edited["x"]) == 5
    screenshot(page, "experiment-edit-points")
    close_up(page, "#fit-chart", "experiment-edit-points-fit")

    # Editing changed nothing on the server.
    assert api_run(live_server, old["id"])["points"] == points
    page.click("#edited-run")
    new = follow_to_new_run(page, old["id"])
    assert new["config"]["custom_points"] is True
    new_points = api_run(live_server, new["id"])["points"]
    assert len(new_points["x"]) == 5
    assert has_point(new_points, *added, tolerance=tolerance)
    assert has_point(new_points, *moved, tolerance=tolerance)
    assert not has_point(new_points, *start, tolerance=tolerance)
    assert not has_point(new_points, *removed, tolerance=tolerance)
    # The other settings are the old run's.
    assert new["config"]["learning_rate"] == old["config"]["learning_rate"]
    assert new["config"]["optimizer"] == old["config"]["optimizer"]
    # The old run is still there, untouched.
    assert api_run(live_server, old["id"])["points"] == points


def test_an_uploaded_csv_becomes_the_new_runs_points(page, live_server):
    old = create_run(live_server)
    open_run(page, f"{live_server.base_url}{old['url']}")
    page.click("#new-run-button")
    expect(page.locator("#new-run-dialog")).to_be_visible()
    csv = "x,y\n" + "\n".join(f"{x},{y}" for x, y in CSV_POINTS) + "\n"
    page.set_input_files(
        "#csv-file", files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    # The file is read into the text box, and CSV becomes the data source.
    expect(page.locator("#points-csv")).to_have_value(csv)
    expect(page.locator('input[name="source"][value="csv"]')).to_be_checked()
    page.click("#new-run-submit")
    new = follow_to_new_run(page, old["id"])
    assert list(zip(new["points"]["x"], new["points"]["y"], strict=True)) == CSV_POINTS


def test_a_malformed_csv_shows_the_servers_message_and_the_page_stays(page, live_server):
    old = create_run(live_server)
    url = f"{live_server.base_url}{old['url']}"
    open_run(page, url)
    page.click("#edit-csv")  # Under the fit plot: opens the form with CSV chosen.
    expect(page.locator('input[name="source"][value="csv"]')).to_be_checked()
    page.fill("#points-csv", MALFORMED_CSV)
    page.click("#new-run-submit")
    expect(page.locator("#new-run-error")).to_have_text(
        "points_csv: line 3: y is not a number: 'abc'"
    )
    page.screenshot(path=ARTIFACTS / "experiment-malformed-csv.png")
    assert page.url == url
    expect(page.locator("#new-run-dialog")).to_be_visible()
    expect(page.locator("#points-csv")).to_have_value(MALFORMED_CSV)
    assert page_run(page)["id"] == old["id"]


def test_adam_chosen_in_the_form_runs_and_lowers_the_loss(page, live_server):
    old = create_run(live_server, learning_rate=0.1)
    open_run(page, f"{live_server.base_url}{old['url']}")
    page.click("#new-run-button")
    # Prefilled from the run shown.
    expect(page.locator("#lr-value")).to_have_value("0.1")
    expect(page.locator("#lr-slider")).to_have_value("-1")
    page.select_option("#optimizer", "adam")
    adam = page.locator('[data-optimizer="adam"]')
    expect(adam).to_be_visible()
    expect(page.locator('[data-optimizer="momentum"]')).to_be_hidden()
    expect(adam.locator('[data-param="beta2"]')).to_have_value("0.999")
    page.screenshot(path=ARTIFACTS / "experiment-settings-adam.png")  # The dialog, as seen.
    page.click("#new-run-submit")
    new = follow_to_new_run(page, old["id"])
    assert new["config"]["optimizer"] == "adam"
    assert new["config"]["optimizer_params"] == ADAM_DEFAULTS
    assert new["config"]["learning_rate"] == 0.1
    assert new["points"] == old["points"]  # The sample's recipe with the same seed.

    page.click("#run-button")
    expect(page.locator("#readout-step")).to_have_text("50", timeout=30_000)
    history = api_run(live_server, new["id"])["history"]
    assert len(history) == 50
    assert history[-1]["loss_after"] < history[0]["loss_before"] / 2


def test_the_learning_rate_slider_and_field_agree(page, live_server):
    open_run(page, f"{live_server.base_url}{create_run(live_server)['url']}")
    page.click("#new-run-button")
    page.locator("#lr-slider").fill("-1.5")
    expect(page.locator("#lr-value")).to_have_value("0.0316")
    page.fill("#lr-value", "0.5")
    expect(page.locator("#lr-slider")).to_have_value("-0.3")  # log10(0.5), to the slider's step


def test_initial_weights_picked_on_the_loss_surface(page, live_server):
    old = create_run(live_server)
    open_run(page, f"{live_server.base_url}{old['url']}")
    # The surface is far down the page, not drawn yet: the pick draws it and scrolls to it.
    page.click("#new-run-button")
    page.click("#pick-on-surface")
    expect(page.locator("#new-run-dialog")).to_be_hidden()
    expect(page.locator("#surface-pick")).to_be_visible()
    eventually(
        lambda: page.evaluate(
            "document.getElementById('surface-chart').data?.[0]?.type === 'contour'"
        )
    )
    ranges = axis_ranges(page, "surface-chart")
    b_range, m_range = ranges
    target = at_fraction(ranges, 0.3, 0.7)
    page.mouse.click(*chart_pixel(page, "surface-chart", *target))
    expect(page.locator("#new-run-dialog")).to_be_visible()
    expect(page.locator('input[name="init"][value="typed"]')).to_be_checked()
    tolerance = ((b_range[1] - b_range[0]) / 100, (m_range[1] - m_range[0]) / 100)
    b = float(page.input_value("#init-b"))
    m = float(page.input_value("#init-m"))
    assert abs(b - target[0]) <= tolerance[0] and abs(m - target[1]) <= tolerance[1]
    page.click("#new-run-submit")
    new = follow_to_new_run(page, old["id"])
    assert new["config"]["custom_initial_weights"] is True
    assert new["initial_weights"]["b"] == pytest.approx(b, rel=1e-6)
    assert new["initial_weights"]["m"] == pytest.approx(m, rel=1e-6)


def address_step(page: Page) -> list[str] | None:
    """?step= in the address bar (asked of the page: page.url is only updated between calls)."""
    return parse_qs(page.evaluate("location.search").lstrip("?")).get("step")


def test_a_link_with_step_opens_the_run_at_that_step(page, live_server, screenshot):
    run = create_run(live_server, steps=20)
    url = f"{live_server.base_url}{run['url']}"
    open_run(page, f"{url}?step=7")
    expect(page.locator("#readout-step")).to_have_text("7")
    expect(page.locator("#timeline")).to_have_value("7")
    expect(page.locator("#timeline-label")).to_have_text("Step 7 of 20")
    expect(page.locator("#detail-title")).to_have_text("What step 7 did")

    # The share link can point at the step shown; the address follows the timeline.
    expect(page.locator("#share-link")).to_have_value(url)
    page.check("#share-step")
    expect(page.locator("#share-link")).to_have_value(f"{url}?step=7")
    page.click("#timeline-forward")
    expect(page.locator("#readout-step")).to_have_text("8")
    expect(page.locator("#share-link")).to_have_value(f"{url}?step=8")
    eventually(lambda: address_step(page) == ["8"])
    page.click("#timeline-back")
    page.click("#timeline-back")
    eventually(lambda: address_step(page) == ["6"])
    # Replaced, not pushed: Back leaves the run rather than stepping through the timeline.
    assert page.evaluate("history.length") == 2  # about:blank, then the run
    screenshot(page, "experiment-step-link")
    close_up(page, "main", "experiment-step-link-top")

    for bad in ("abc", "99", "-1", "2.5"):
        open_run(page, f"{url}?step={bad}")
        expect(page.locator("#readout-step")).to_have_text("20")
        expect(page.locator("#status")).to_contain_text(f"no step “{bad}”")
        eventually(lambda: address_step(page) is None)


def test_fork_at_the_step_shown_continues_as_a_new_run(page, live_server, screenshot):
    old = create_run(live_server, steps=10)
    open_run(page, f"{live_server.base_url}{old['url']}?step=4")
    expect(page.locator("#fork-button")).to_have_text("Continue from step 4 as a new run")
    page.click("#fork-button")
    new = follow_to_new_run(page, old["id"])
    assert [r["step"] for r in new["history"]] == [1, 2, 3, 4]
    assert new["config"]["forked_from"] == {"run_id": old["id"], "step": 4}
    origin = page.locator("#forked-from")
    expect(origin).to_contain_text("Forked from")
    expect(origin).to_contain_text("at step 4")
    expect(origin.locator("a")).to_have_attribute("href", f"/runs/{old['id']}?step=4")
    expect(page.locator("#readout-step")).to_have_text("4")
    screenshot(page, "experiment-forked")
    close_up(page, "main", "experiment-forked-top")
    assert len(api_run(live_server, old["id"])["history"]) == 10


def test_a_mini_batch_run_rings_the_shown_steps_batch(page, live_server, screenshot):
    run = create_run(live_server, steps=3, batch_size=2)
    open_run(page, f"{live_server.base_url}{run['url']}?step=2")
    batch = httpx.get(f"{live_server.base_url}/api/runs/{run['id']}/steps/2").json()["batch"]
    assert len(batch) == 2

    def ringed():
        traces = page.evaluate("document.getElementById('fit-chart').data ?? []")
        return next((t for t in traces if t["name"] == "mini-batch of step 2"), None)

    eventually(lambda: ringed() is not None)
    trace = ringed()
    points = run["points"]
    assert trace["x"] == [points["x"][i] for i in batch]
    assert trace["y"] == [points["y"][i] for i in batch]
    screenshot(page, "experiment-mini-batch")
    close_up(page, "#fit-chart", "experiment-mini-batch-fit")


def test_the_form_and_the_editor_fit_a_phone(browser, live_server):
    run = create_run(live_server, batch_size=2)
    context = browser.new_context(viewport={"width": 375, "height": 800}, has_touch=False)
    page = context.new_page()
    try:
        open_run(page, f"{live_server.base_url}{run['url']}")
        start_editing(page)
        empty = at_fraction(axis_ranges(page, "fit-chart"), 0.5, 0.9)
        page.mouse.click(*chart_pixel(page, "fit-chart", *empty))
        expect(page.locator("#edited-banner")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.locator("#edited-banner").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "experiment-phone-page.png")
        page.click("#new-run-button")
        page.select_option("#optimizer", "rmsprop")
        dialog = page.locator("#new-run-dialog")
        box = dialog.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
        expect(page.locator("#new-run-submit")).to_be_in_viewport()
        page.screenshot(path=ARTIFACTS / "experiment-phone-form.png")
        # With points edited, the form offers them as the data.
        expect(page.locator('input[name="source"][value="plot"]')).to_be_checked()
        page.check('input[name="source"][value="preset"]')
        dialog.locator('[data-source="preset"]').scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "experiment-phone-form-data.png")
    finally:
        context.close()


def test_a_schedule_chosen_in_the_form_shows_each_steps_rate_and_its_formula(
    page, live_server, axe_source
):
    old = create_run(live_server, learning_rate=0.01)
    open_run(page, f"{live_server.base_url}{old['url']}")
    page.click("#new-run-button")
    page.select_option("#schedule", "exponential_decay")
    decay = page.locator('[data-schedule="exponential_decay"]')
    expect(decay).to_be_visible()
    expect(page.locator('[data-schedule="cosine_decay"]')).to_be_hidden()
    decay.locator('[data-schedule-param="decay_steps"]').fill("2")
    decay.locator('[data-schedule-param="decay_rate"]').fill("0.5")
    decay.locator('[data-schedule-param="staircase"]').check()
    assert_accessible(page, axe_source)  # The dialog with the schedule's fields.
    page.click("#new-run-submit")
    new = follow_to_new_run(page, old["id"])
    assert new["config"]["learning_rate_schedule"] == {
        "name": "exponential_decay",
        "params": {"decay_steps": 2, "decay_rate": 0.5, "staircase": True},
    }
    expect(page.locator("#run-facts")).to_contain_text(
        "exponential_decay(decay_steps=2, decay_rate=0.5, staircase=True)"
    )
    for _ in range(3):
        page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("3")
    # Step 3 runs at global step 2: 0.01 × 0.5^⌊2 / 2⌋ = 0.005, the session's own value.
    rule = page.locator("#schedule-rule")
    expect(rule).to_contain_text("lr at step 3 = 0.01 × 0.5^(⌊2 / 2⌋) = ")
    detail = httpx.get(f"{live_server.base_url}/api/runs/{new['id']}/steps/3").json()
    assert detail["learning_rate"] == pytest.approx(0.005)
    expect(rule.locator('[data-part="lr"]')).to_have_text(format_number(detail["learning_rate"]))
    # The float32 the session computed, written as the shortest decimal that holds it.
    expect(page.locator('#update-rule [data-weight="b"] [data-part="lr"]')).to_have_text("0.005")
    expect(page.locator('#numpy-check [data-part="check-rate"]')).to_contain_text("0.005")
    expect(page.locator('#numpy-check [data-part="difference"]')).to_contain_text(
        "float32 rounding"
    )
    # The rate over the steps, the session's, with step 3's marked.
    rates = httpx.get(
        f"{live_server.base_url}/api/runs/{new['id']}/learning-rates", params={"count": 50}
    ).json()["learning_rates"]
    label = page.locator("#rate-chart-label")
    expect(label).to_contain_text(f"{format_number(rates[0])} at step 1")
    expect(label).to_contain_text(f"step 3 (marked): {format_number(detail['learning_rate'])}")
    expect(page.locator("#rate-chart polyline")).to_have_count(1)
    expect(page.locator("#rate-chart circle")).to_have_count(1)
    assert_accessible(page, axe_source)  # The page with the formula and the chart.
    page.locator("#step-detail").screenshot(path=ARTIFACTS / "experiment-schedule-step.png")
