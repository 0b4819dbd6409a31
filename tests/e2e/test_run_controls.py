"""Controls that do what they say (issue #12), as a learner sees them: the Download menu, the
New run form's warning over the stable limit, Reset that asks and keeps the old steps, and a
logo that starts no run."""

import base64
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.i18n import messages
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import READY, api_run, format_number, open_run, run_id_of

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def shot(page: Page, name: str, selector: str, height: int = 560) -> None:
    """A screenshot from the top of `selector`, wide as the page, `height` pixels tall."""
    box = page.locator(selector).bounding_box()
    assert box is not None
    clip = {"x": 0, "y": max(0, box["y"] - 12), "width": 1440, "height": height}
    page.screenshot(path=ARTIFACTS / f"{name}.png", clip=clip)


def download_text(page: Page, click) -> tuple[str, str]:
    """The name and text of the file that `click()` makes the browser download."""
    with page.expect_download() as download:
        click()
    return download.value.suggested_filename, Path(download.value.path()).read_text()


# The share of an image's pixels that are opaque and coloured (not white, grey or black).
COLOURED_SHARE = """async (encoded) => {
  const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
    if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
  }
  return coloured / (pixels.length / 4);
}"""
# The surface's contours fill a third to a half of its PNG; the path and markers alone, 0.2 %.
CONTOURS_SHARE = 0.2


def test_the_download_menu_offers_every_file_of_the_run(page, live_server):
    run = create_run(live_server, steps=3)
    run_id = run["id"]
    open_run(page, f"{live_server.base_url}{run['url']}")
    button, items = page.locator("#export-button"), page.locator("#export-items")
    expect(button).to_have_text("Download")
    expect(items).to_be_hidden()

    # The keyboard opens it, walks it and chooses a file; the menu then gets out of the way.
    button.focus()
    page.keyboard.press("Enter")
    expect(items).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    shot(page, "run-controls-download-menu", ".toolbar")
    page.keyboard.press("Tab")
    expect(page.locator("#export-history-csv")).to_be_focused()
    name, text = download_text(page, lambda: page.keyboard.press("Enter"))
    assert name == f"stepwise-{run_id}.csv"
    assert len(text.strip().splitlines()) == 1 + 3  # The header and the 3 steps.
    expect(items).to_be_hidden()
    expect(button).to_be_focused()
    # Escape closes it, back on its button; so does a click elsewhere.
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(items).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    page.locator("#lesson-question").click()  # Anywhere outside the menu closes it.
    expect(items).to_be_hidden()

    files = [
        ("#export-history-json", f"stepwise-{run_id}.json", '"history"'),
        ("#export-script-v1", f"stepwise-{run_id}-compat_v1.py", "tf.compat.v1"),
        ("#export-script-tf2", f"stepwise-{run_id}-tf2.py", "GradientTape"),
        ("#export-script-keras", f"stepwise-{run_id}-keras.py", "tf.keras.layers.Dense(1)"),
    ]
    texts = {}
    for selector, filename, content in files:
        button.click()
        name, texts[selector] = download_text(page, lambda selector=selector: page.click(selector))
        assert name == filename and content in texts[selector]
    assert len(json.loads(texts["#export-history-json"])["history"]) == 3

    # The charts' PNGs, gathered here from under each chart.
    expect(page.locator("figure .png-button")).to_have_count(0)
    for chart in ("fit", "loss", "surface"):
        button.click()
        item = page.locator(f'#export-png .png-button[data-chart="{chart}"]')
        figure = page.locator(f"figure:has(#{chart}-chart) > figcaption")
        expect(item).to_have_text(f"{figure.inner_text().strip()} (PNG)")
        with page.expect_download() as download:
            item.click()
        assert download.value.suggested_filename == f"stepwise-{run_id}-{chart}.png"
        if chart == "surface":  # Never scrolled to: drawn for the PNG, its contours with it.
            png = base64.b64encode(Path(download.value.path()).read_bytes()).decode()
            assert page.evaluate(COLOURED_SHARE, png) > CONTOURS_SHARE

    open_run(page, f"{live_server.base_url}{run['url']}?lang=zh")
    expect(button).to_have_text("下载")
    button.click()
    expect(page.locator("#export-history-csv")).to_have_text(messages("zh")["export.history_csv"])
    expect(page.locator("#export-script-tf2")).to_have_text(messages("zh")["export.script_tf2"])


def test_the_new_run_form_warns_over_the_stable_limit_and_hides_points_per_step(page, live_server):
    run = create_run(live_server)  # The sample's 5 points, l2_loss, gradient descent.
    limit = run["stability"]["gradient_descent_limit"]
    open_run(page, f"{live_server.base_url}{run['url']}")
    page.click("#new-run-button")
    rate, warning = page.locator("#lr-value"), page.locator("#lr-warning")
    expect(page.locator("#lr-limit")).to_contain_text(f"= {format_number(limit)}.")
    # Screen readers hear it: a status region, and the rate's field is described by it.
    expect(warning).to_have_attribute("role", "status")
    expect(rate).to_have_attribute("aria-describedby", "lr-limit lr-warning")
    expect(warning).to_have_text("")

    # Live, as the learner types a rate over the limit.
    rate.fill("")
    rate.press_sequentially(f"{limit * 1.5:.3g}")
    expected = f"Above the stable limit {format_number(limit)}: at this rate plain gradient descent"
    expect(warning).to_contain_text(expected)
    expect(warning).to_be_visible()
    page.locator("#new-run-dialog").screenshot(path=ARTIFACTS / "run-controls-lr-warning.png")
    rate.fill(f"{limit / 2:.3g}")
    expect(warning).to_have_text("")
    # The slider, too (it holds log10 of the rate).
    page.locator("#lr-slider").fill("0")  # A rate of 1.
    expect(rate).to_have_value("1")
    expect(warning).to_contain_text("Above the stable limit")
    # Adam scales its own steps: no fixed limit to warn about.
    page.select_option("#optimizer", "adam")
    expect(warning).to_have_text("")
    page.select_option("#optimizer", "gradient_descent")
    expect(warning).not_to_have_text("")
    # The mean squared error (Σe²/n) of the same 5 points allows n/2 = 2.5 times the rate.
    rate.fill(f"{limit * 2:.3g}")
    page.select_option("#loss", "mean_squared_error")
    expect(page.locator("#lr-limit")).to_contain_text(format_number(limit * 2.5))
    expect(warning).to_have_text("")
    page.select_option("#loss", "l2_loss")
    expect(warning).not_to_have_text("")

    # "Points per step" is offered only for mini-batches.
    points_per_step = page.locator("#batch-size")
    expect(page.locator('input[name="batch"][value="full"]')).to_be_checked()
    expect(points_per_step).to_be_hidden()
    page.check('input[name="batch"][value="mini"]')
    expect(points_per_step).to_be_visible()
    page.check('input[name="batch"][value="full"]')
    expect(points_per_step).to_be_hidden()

    # The warning is true: a run at 1.5 times the limit diverges.
    over = create_run(live_server, steps=300, learning_rate=limit * 1.5)
    assert api_run(live_server, over["id"])["diverged"]

    open_run(page, f"{live_server.base_url}{run['url']}?lang=zh")
    page.click("#new-run-button")
    page.locator("#lr-value").fill("1")
    expect(page.locator("#lr-warning")).to_contain_text(f"超过了稳定上限 {format_number(limit)}")


def test_reset_asks_first_and_keeps_the_old_steps_as_a_fork(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    run_id = run_id_of(page)
    for k in (1, 2, 3):
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text(str(k))
    history = api_run(live_server, run_id)["history"]

    dialog, confirm = page.locator("#reset-dialog"), page.locator("#reset-confirm")
    page.click("#reset-button")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Reset this run to step 0?")
    expect(dialog).to_contain_text("Your steps so far, 1 to 3, are not lost")
    expect(confirm).to_be_focused()
    dialog.screenshot(path=ARTIFACTS / "run-controls-reset-dialog.png")
    page.screenshot(path=ARTIFACTS / "run-controls-reset-page.png")
    # Escape answers no: nothing is reset, and the page's shortcuts stayed with the dialog.
    page.keyboard.press("s")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#readout-step")).to_have_text("3")
    assert len(api_run(live_server, run_id)["history"]) == 3

    # Enter on the Reset button asks; Enter on the focused answer resets.
    page.locator("#reset-button").focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#readout-step")).to_have_text("0")
    assert api_run(live_server, run_id)["history"] == []

    kept = page.locator("#reset-kept")
    expect(kept).to_contain_text("Your previous steps, 1 to 3, are kept as a run of their own:")
    link = page.locator("#reset-kept-link")
    fork_id = link.inner_text()
    fork = api_run(live_server, fork_id)
    assert fork["history"] == history  # The very steps the reset took away.
    assert fork["config"]["forked_from"] == {"run_id": run_id, "step": 3}
    page.screenshot(path=ARTIFACTS / "run-controls-reset-kept.png")

    # The page kept the fork's owner token: it is the learner's to go on with.
    link.click()
    page.wait_for_selector(READY)
    assert page.url.endswith(f"/runs/{fork_id}")
    expect(page.locator("#readout-step")).to_have_text("3")
    expect(page.locator("#view-only")).to_be_hidden()
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("4")

    # A run with no steps has nothing to lose: Reset does not ask.
    page.go_back()
    page.wait_for_selector(READY)
    page.click("#reset-button")
    expect(page.locator("#status")).to_contain_text("Back to step 0")
    expect(dialog).to_be_hidden()


def test_a_diverged_run_keeps_its_steps_before_the_overflow(page, live_server):
    run = create_run(live_server, steps=300, learning_rate=1.0)
    diverged_at = api_run(live_server, run["id"])["diverged_at"]
    assert diverged_at > 1
    page.goto(f"{live_server.base_url}{run['url']}#owner={run['owner_token']}")
    page.wait_for_selector(READY)
    page.click("#reset-button")
    expect(page.locator("#reset-dialog")).to_contain_text(f"1 to {diverged_at - 1}")
    page.click("#reset-confirm")
    expect(page.locator("#readout-step")).to_have_text("0")
    fork = api_run(live_server, page.locator("#reset-kept-link").inner_text())
    assert len(fork["history"]) == diverged_at - 1 and not fork["diverged"]


def test_the_logo_leads_to_the_start_page_and_starts_no_run(page, live_server):
    open_run(page, f"{live_server.base_url}/?lang=zh")
    run_url = page.url
    requests: list[str] = []

    def watch(request) -> None:
        if request.resource_type == "document" or request.method != "GET":
            requests.append(f"{request.method} {request.url}")

    page.on("request", watch)
    page.click(".brand")
    expect(page.locator("#start-run")).to_be_visible()
    assert page.url == f"{live_server.base_url}/start"
    # The one page asked for, and nothing posted: no run started.
    assert requests == [f"GET {live_server.base_url}/start"]
    expect(page.locator("h1")).to_have_text("一步一步看 TensorFlow 拟合一条直线")
    page.go_back()
    page.wait_for_selector(READY)
    assert page.url == run_url
    # Its button is what starts a run.
    page.click(".brand")
    page.click("#start-run")
    page.wait_for_selector(READY)
    assert "/runs/" in page.url and page.url != run_url
    expect(page.locator("#step-button")).to_be_enabled()
