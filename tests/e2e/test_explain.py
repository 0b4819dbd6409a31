"""The page answers "how does update_weights.run() change weights?" with the run's numbers."""

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.lazy_panels import show_chart, show_everything, show_graph
from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import (
    api_run,
    chart_data,
    eventually,
    format_number,
    open_run,
    readout,
    run_id_of,
)
from tests.owners import owner_headers, owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def rule_numbers(page: Page, weight: str) -> dict[str, str]:
    row = page.locator(f'#update-rule .rule[data-weight="{weight}"]')
    return {
        part: row.locator(f'[data-part="{part}"]').inner_text()
        for part in ("before", "lr", "gradient", "after")
    }


def expected_rule(record: dict, weight: str) -> dict[str, str]:
    return {
        "before": format_number(record["weights_before"][weight]),
        "lr": "0.002",
        "gradient": format_number(record["gradient"][weight]),
        "after": format_number(record["weights_after"][weight]),
    }


def test_after_step_the_arithmetic_is_the_api_record(page, live_server, screenshot):
    open_run(page, f"{live_server.base_url}/")
    expect(page.locator("#detail-title")).to_have_text("What the next update (step 1) will do")
    expect(page.locator('#update-rule [data-part="gradient"]').first).to_be_visible()
    page.click("#step-button")
    expect(page.locator("#detail-title")).to_have_text("What step 1 did")
    record = api_run(live_server, run_id_of(page))["history"][0]
    for weight in ("b", "m"):
        expect(
            page.locator(f'#update-rule .rule[data-weight="{weight}"] [data-part="after"]')
        ).to_be_visible()
        assert rule_numbers(page, weight) == expected_rule(record, weight)
    # NumPy's check and the point-by-point shares arrive from the server.
    expect(page.locator('#numpy-check [data-part="difference"]')).to_contain_text(
        "float32 rounding"
    )
    expect(page.locator("#shares-table tbody tr")).to_have_count(5)
    assert page.locator('[data-part="total-b"]').inner_text() == format_number(
        record["gradient"]["b"]
    )
    expect(page.locator(".code-line.active").first).to_have_text("        update_weights.run()")
    # Keras's step is a batch of fit, and its Dense(1) unit's kernel is m.
    expect(page.locator("#code-keras .code-line.active")).to_contain_text("model.fit(inputs")
    expect(page.locator("#code-keras")).to_contain_text("its kernel is m, its bias b")
    expect(page.locator("#evalrun-result")).to_contain_text("changed the weights")
    screenshot(page, "step-explained")


def test_evaluate_reads_without_changing_anything(page, live_server):
    run = create_run(live_server, steps=3)
    open_run(page, owner_url(live_server.base_url, run))  # It runs the update op at the end.
    show_graph(page)  # The graph is laid out once it comes near the screen.
    shown = {name: readout(page, name) for name in ("step", "loss", "b", "m")}
    page.click("#evaluate-button")
    result = page.locator("#evalrun-result")
    expect(result).to_contain_text("Nothing changed: still step 3")
    expect(result).to_contain_text(f"loss = {shown['loss']}")
    assert {name: readout(page, name) for name in ("step", "loss", "b", "m")} == shown
    assert len(api_run(live_server, run["id"])["history"]) == 3
    active = page.locator(".code-line.active")
    expect(active.first).to_contain_text("loss.eval()")
    # The graph now highlights what Evaluate ran: the loss, not the update.
    expect(page.locator('input[name="graph-highlight"][value="evaluate"]')).to_be_checked()
    expect(page.locator('g.node.lit[data-name="loss"]')).to_have_count(1)
    expect(page.locator("g.node.lit[data-name$=ApplyGradientDescent]")).to_have_count(0)

    page.click("#update-button")
    expect(page.locator("#readout-step")).to_have_text("4")
    expect(page.locator("g.node.lit[data-name$=ApplyGradientDescent]")).to_have_count(1)


def test_the_timeline_moves_every_panel_to_the_chosen_step(page, live_server):
    run = create_run(live_server, steps=10)
    history = api_run(live_server, run["id"])["history"]
    open_run(page, owner_url(live_server.base_url, run))  # It steps at the end.
    show_everything(page)  # Every chart drawn (each once it came near the screen) and the graph.
    expect(page.locator("#timeline-label")).to_have_text("Step 10 of 10")
    page.locator("#timeline").fill("3")
    record = history[2]
    expect(page.locator("#readout-step")).to_have_text("3")
    assert readout(page, "loss") == format_number(record["loss_after"])
    assert readout(page, "b") == format_number(record["weights_after"]["b"])
    expect(page.locator("#detail-title")).to_have_text("What step 3 did")
    assert rule_numbers(page, "m") == expected_rule(record, "m")

    w = record["weights_after"]

    def charts_at_step_3() -> bool:
        fit = page.evaluate("document.getElementById('fit-chart').data.at(-1)")
        loss_marker = page.evaluate("document.getElementById('loss-chart').data.at(-1)")
        surface_point = page.evaluate("document.getElementById('surface-chart').data.at(-1)")
        slope = page.evaluate("document.getElementById('slope-chart').data.at(-1)")
        return (
            fit["name"] == "line at step 3"
            and abs(fit["y"][0] - (w["b"] + w["m"] * fit["x"][0])) < 1e-9
            and loss_marker["x"] == [3]
            and loss_marker["y"] == [record["loss_after"]]
            and surface_point["x"] == [w["b"]]
            and surface_point["y"] == [w["m"]]
            and slope["name"] == f"b = {format_number(w['b'])}, m = {format_number(w['m'])}"
        )

    eventually(charts_at_step_3)
    # Keys move one step at a time; the page follows the newest step again at the end.
    page.locator("body").press("ArrowLeft")
    expect(page.locator("#readout-step")).to_have_text("2")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#readout-step")).to_have_text("3")
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#timeline-label")).to_have_text("Step 10 of 10")
    page.keyboard.press("s")
    expect(page.locator("#timeline-label")).to_have_text("Step 11 of 11")


def test_space_plays_and_pauses(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    page.locator("body").press(" ")
    expect(page.locator("#stop-button")).to_be_enabled()
    expect(page.locator("#readout-step")).not_to_have_text("0")
    page.keyboard.press(" ")
    expect(page.locator("#status")).to_contain_text("Stopped at step")


def test_clicking_a_graph_node_shows_its_value(page, live_server):
    run = create_run(live_server, steps=2)
    open_run(page, f"{live_server.base_url}{run['url']}")
    show_graph(page)
    page.locator('g.node[data-name="loss"]').click()
    loss = httpx.get(f"{live_server.base_url}/api/runs/{run['id']}/evaluate").json()["loss"]
    expect(page.locator("#graph-node")).to_contain_text(
        f"loss (L2Loss), shape []: [{format_number(loss)}]"
    )


def test_the_loss_surface_draws_the_path_and_the_next_update(page, live_server):
    run = create_run(live_server, steps=5)
    open_run(page, f"{live_server.base_url}{run['url']}")
    show_chart(page, "surface-chart")  # Below the fold: drawn once scrolled to; contours follow.
    history = api_run(live_server, run["id"])["history"]

    def drawn() -> bool:
        figure = page.evaluate(
            "(() => { const c = document.getElementById('surface-chart');"
            " return { data: c.data, annotations: c.layout.annotations || [] }; })()"
        )
        kinds = [trace["type"] for trace in figure["data"]]
        path = figure["data"][1]
        return (
            kinds[0] == "contour"
            and len(path["x"]) == 6
            and path["x"][-1] == history[-1]["weights_after"]["b"]
            and len(figure["annotations"]) == 1
        )

    eventually(drawn)


def test_chinese_page(page, live_server, screenshot):
    open_run(page, f"{live_server.base_url}/?lang=zh")
    expect(page.locator("#step-button")).to_have_text("单步")
    expect(page.locator("#run-button")).to_have_text("运行 50 步")
    expect(page.locator("figcaption").first).to_have_text("最终拟合结果")
    page.click("#step-button")
    expect(page.locator("#detail-title")).to_have_text("第 1 步做了什么")
    expect(page.locator("#evalrun-result")).to_contain_text("改变了权重")
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    titles = page.evaluate(
        "[...document.querySelectorAll('#fit-chart .modebar-btn')].map((b) => b.dataset.title)"
    )
    assert "重置坐标轴" in titles  # Plotly's own toolbar speaks Chinese too.
    assert not any("Share" in title or "cloud" in title.lower() for title in titles)
    # The choice is remembered: the same link without ?lang stays Chinese.
    open_run(page, page.url.split("?")[0])
    expect(page.locator("#step-button")).to_have_text("单步")
    screenshot(page, "chinese")


def test_data_tables_and_narration(page, live_server):
    run = create_run(live_server, steps=4)
    open_run(page, owner_url(live_server.base_url, run))  # It steps.
    show_chart(page, "loss-chart")
    page.locator('details[data-table="loss"] summary').click()
    rows = page.locator('details[data-table="loss"] tbody tr')
    expect(rows).to_have_count(5)  # Step 0, before any update, then steps 1 to 4.
    page.click("#step-button")
    expect(rows).to_have_count(6)
    expect(page.locator("#narration")).to_contain_text("Step 5: loss")
    eventually(lambda: chart_data(page, "loss-chart")[0]["x"] == [1, 2, 3, 4, 5])
    # Moving through the history shows other steps, not other rows: the table is not rebuilt
    # (on a 10,000-step run, rebuilding it at each arrow key made the page crawl).
    page.evaluate("document.querySelector('details[data-table=loss] table').dataset.kept = 'yes'")
    page.locator("#timeline").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#readout-step")).to_have_text("4")
    expect(page.locator('details[data-table="loss"] table[data-kept="yes"]')).to_have_count(1)
    page.click("#step-button")  # A new step is a new row: now it is rebuilt.
    expect(rows).to_have_count(7)
    expect(page.locator('details[data-table="loss"] table[data-kept="yes"]')).to_have_count(0)


def test_a_node_that_would_change_the_run_explains_why_it_has_no_value(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    show_graph(page)
    page.locator("g.node[data-name$=ApplyGradientDescent]").click()
    expect(page.locator("#graph-node")).to_contain_text("changes the run when it runs")
    page.locator('[data-group="weights"]').click()  # The variable's scope opens.
    page.locator('g.node[data-name="weights"]').click()
    expect(page.locator("#graph-node")).to_contain_text("weights (VarHandleOp), shape [2, 1]")
    assert page.locator('[data-group="random_normal"]').count() == 0
    page.check("#graph-show-initializer")
    page.locator('[data-group="random_normal"]').click()
    expect(page.locator('g.node[data-name="random_normal"]')).to_have_count(1)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_points_share_fits_at_1440_and_scrolls_visibly_at_375(page, live_server, lang):
    # Long numbers: a far point makes every column wide.
    points = [{"x": -1234.5678, "y": 98765.4321}, {"x": 2.5, "y": -3.75}, {"x": 7.125, "y": 12.5}]
    run = httpx.post(f"{live_server.base_url}/api/runs", json={"points": points}).json()
    step_url = f"{live_server.base_url}/api/runs/{run['id']}/step"
    httpx.post(step_url, json={"n": 3}, headers=owner_headers(run)).raise_for_status()
    wrap = page.locator(".step-detail .table-wrap")
    widths = "(w) => [w.scrollWidth, w.clientWidth]"
    for width in (1440, 375):
        page.set_viewport_size({"width": width, "height": 1000})
        open_run(page, f"{live_server.base_url}/runs/{run['id']}?lang={lang}")
        expect(page.locator(".step-detail table.numbers tbody tr")).to_have_count(3)
        content, box = wrap.evaluate(widths)
        if width == 1440:
            assert content <= box, (content, box)  # Every column in view: nothing clipped.
        else:  # Too narrow for six columns: it scrolls, by keyboard too, and shows it can.
            assert content > box
            assert wrap.get_attribute("tabindex") == "0"
            assert "gradient" in wrap.evaluate("(w) => getComputedStyle(w).backgroundImage")
            wrap.focus()
            page.keyboard.press("ArrowRight")
            for _ in range(50):  # Keyboard scrolling is smooth: wait for it to move.
                if wrap.evaluate("(w) => w.scrollLeft") > 0:
                    break
                page.wait_for_timeout(100)
            assert wrap.evaluate("(w) => w.scrollLeft") > 0
