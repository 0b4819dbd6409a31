"""The guided lesson, as a learner takes it in Chromium: the question at the top, six stops that
act through the page's own controls, and numbers that are TensorFlow's, checked against the API."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import assert_accessible, new_run
from tests.e2e.test_dashboard import api_run, eventually, format_number, open_run
from tests.owners import owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

QUESTION = "how does that change weights, and why does loss.eval() not?"


def shown_stop(page: Page):
    return page.locator(".lesson-stop:visible")


def result_of(page: Page, stop: int):
    return page.locator(f"#lesson-stop-{stop} [data-lesson-result]")


def go_to(page: Page, stop: int) -> None:
    page.click(f'[data-lesson-go="{stop}"]')
    expect(shown_stop(page)).to_have_attribute("data-lesson-stop", str(stop))


def test_the_lesson_end_to_end_with_a_prediction(page, live_server, screenshot):
    open_run(page, f"{live_server.base_url}/")
    expect(page.locator("#lesson-question")).to_contain_text(QUESTION)
    expect(shown_stop(page)).to_have_attribute("data-lesson-stop", "1")
    expect(page.locator("#evalrun")).to_have_class(re.compile("lesson-target"))
    run_id = page.url.split("/runs/")[1].split("?")[0].split("#")[0]
    screenshot(page, "lesson-1-1440")

    # 1. Evaluate: a before/after pair, equal; nothing moves.
    page.click('[data-lesson-action="evaluate"]')
    expect(result_of(page, 1)).to_contain_text("Nothing changed")
    before = page.locator('[data-pair="before"] td').all_inner_texts()
    after = page.locator('[data-pair="after"] td').all_inner_texts()
    assert before == after and before[0] == "0"
    assert len(api_run(live_server, run_id)["history"]) == 0

    # 2. Predict, then step: the guess is drawn, then TensorFlow's m beside it.
    page.click("#lesson-next")
    expect(page.locator("#lesson-stop-2 h3")).to_be_focused()
    expect(page.locator("#fit-panel")).to_have_class(re.compile("lesson-target"))
    page.fill("#lesson-guess", "0.5")
    expect(page.locator("#lesson-guess-slider")).to_have_value("0.5")
    # The dashed line of the guess: the intercept shown, the slope guessed.
    # Polled: the page's CSP (no 'unsafe-eval') refuses wait_for_function's string.
    eventually(
        lambda: page.evaluate(
            "document.getElementById('fit-chart').data"
            "?.some((t) => t.name === 'your guess (m = 0.5)')"
        )
    )
    guess = page.evaluate(
        "document.getElementById('fit-chart').data.find((t) => t.name.startsWith('your guess'))"
    )
    b0 = api_run(live_server, run_id)["initial_weights"]["b"]
    for x, y in zip(guess["x"], guess["y"], strict=True):
        assert abs(y - (b0 + 0.5 * x)) < 1e-9
    page.click('[data-lesson-action="step"]')
    expect(page.locator("#readout-step")).to_have_text("1")
    record = api_run(live_server, run_id)["history"][0]
    m_after = format_number(record["weights_after"]["m"])
    compared = f"Your guess: m = 0.5. TensorFlow: m = {m_after} after step 1"
    expect(result_of(page, 2)).to_contain_text(compared)
    rule = (
        f"m ← m − lr × ∂L/∂m = {format_number(record['weights_before']['m'])} − 0.002 × "
        f"({format_number(record['gradient']['m'])}) = {m_after}"
    )
    expect(result_of(page, 2)).to_contain_text(rule)
    screenshot(page, "lesson-2-1440")

    # 3. The shares add up to TensorFlow's gradient.
    page.click("#lesson-next")
    gradient = format_number(record["gradient"]["m"])
    shares = f"add up to {gradient}; TensorFlow's ∂L/∂m is {gradient}"
    expect(result_of(page, 3)).to_contain_text(shares)

    # 4. Run 50: the sample's loop.
    page.click("#lesson-next")
    page.click('[data-lesson-action="run"]')
    expect(page.locator("#readout-step")).to_have_text("51", timeout=20_000)
    history = api_run(live_server, run_id)["history"]
    loss_51 = format_number(history[-1]["loss_after"])
    expect(result_of(page, 4)).to_contain_text(f"at step 1 to {loss_51} at step 51")

    # 5. What ran: the graph lights what update_weights.run() runs.
    page.click("#lesson-next")
    page.click('[data-lesson-action="highlight-step"]')
    expect(page.locator('input[name="graph-highlight"][value="step"]')).to_be_checked()
    counted = re.compile(r"update_weights.run\(\) runs \d+ of the graph's ops")
    expect(result_of(page, 5)).to_contain_text(counted)

    # 6. Too big a step: the same points over 2/λ_max, opened at this stop.
    page.evaluate("window.scrollTo(0, 0)")
    page.click("#lesson-next")
    limit = api_run(live_server, run_id)["stability"]["gradient_descent_limit"]
    expect(result_of(page, 6)).to_contain_text(f"2/λ_max = {format_number(limit)}")
    try_button = page.locator('[data-lesson-action="too-big"]')
    rate = float(try_button.get_attribute("data-rate"))
    assert rate > limit
    with page.expect_navigation():
        try_button.click()
    page.wait_for_selector("body[data-ready=true]")
    expect(shown_stop(page)).to_have_attribute("data-lesson-stop", "6")
    assert "lesson=" not in page.url
    expect(result_of(page, 6)).to_contain_text("over the limit")
    page.click("#run-button")
    expect(page.locator("#divergence")).to_be_visible(timeout=20_000)
    screenshot(page, "lesson-6-diverged")


def test_progress_is_kept_per_browser_and_the_lesson_can_be_hidden(page, live_server):
    run = new_run(live_server)
    url = owner_url(live_server.base_url, run)
    open_run(page, url)
    go_to(page, 3)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(shown_stop(page)).to_have_attribute("data-lesson-stop", "3")
    page.click("#lesson-close")
    expect(page.locator("#lesson-body")).to_be_hidden()
    expect(page.locator("#lesson-open")).to_be_focused()
    expect(page.locator("#lesson-open")).to_have_text("Open the lesson (stop 3 of 6)")
    page.reload()  # Hidden stays hidden, rendered so by the server: nothing jumps.
    expect(page.locator("#lesson-body")).to_be_hidden()
    expect(page.locator("#run-top")).not_to_have_class(re.compile("with-lesson"))
    page.focus("#lesson-open")  # By keyboard: open it again with Enter.
    page.keyboard.press("Enter")
    expect(page.locator("#lesson-stop-3 h3")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#lesson-stop-3 .lesson-show")).to_be_focused()


def test_a_teachers_link_opens_a_stop_for_a_viewer_who_predicts_from_the_timeline(
    page, live_server, axe_source
):
    run = new_run(live_server, steps=5)
    open_run(page, f"{live_server.base_url}{run['url']}?lesson=2")  # No owner token: a viewer.
    expect(page.locator("#view-only")).to_be_visible()
    expect(shown_stop(page)).to_have_attribute("data-lesson-stop", "2")
    # At the run's last step there is nothing to predict: the lesson offers step 0.
    step_button = page.locator('[data-lesson-action="step"]')
    expect(step_button).to_have_text("Go to step 0")
    step_button.click()
    expect(page.locator("#readout-step")).to_have_text("0")
    expect(step_button).to_have_text("Show step 1")
    page.fill("#lesson-guess", "1")
    step_button.click()
    expect(page.locator("#readout-step")).to_have_text("1")
    record = api_run(live_server, run["id"])["history"][0]
    m_after = format_number(record["weights_after"]["m"])
    expect(result_of(page, 2)).to_contain_text(f"TensorFlow: m = {m_after}")
    assert len(api_run(live_server, run["id"])["history"]) == 5  # A viewer changes nothing.
    assert_accessible(page, axe_source)
    # Stop 4 replays the run for a viewer.
    go_to(page, 4)
    page.click('[data-lesson-action="run"]')
    expect(page.locator("#readout-step")).to_have_text("5")
    expect(result_of(page, 4)).to_contain_text("at step 0 to")


def test_another_optimizer_is_written_as_the_move_tensorflow_made(page, live_server):
    run = new_run(live_server, learning_rate=0.1, optimizer={"name": "adam"})
    open_run(page, f"{owner_url(live_server.base_url, run)}")
    go_to(page, 2)
    page.click('[data-lesson-action="step"]')
    expect(page.locator("#readout-step")).to_have_text("1")
    record = api_run(live_server, run["id"])["history"][0]
    m0, m1 = record["weights_before"]["m"], record["weights_after"]["m"]
    move = f"{format_number(m0)} + ({format_number(m1 - m0)}) = {format_number(m1)}"
    expected = f"m ← m + Δm = {move}: AdamOptimizer"
    expect(result_of(page, 2)).to_contain_text(expected)
    go_to(page, 6)
    expect(result_of(page, 6)).to_contain_text("This run uses AdamOptimizer")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lesson_at_375_px(browser, live_server, screenshot, axe_source, lang):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        run = new_run(live_server, steps=2)
        open_run(page, f"{owner_url(live_server.base_url, run)}".replace("#", f"?lang={lang}#"))
        lesson = page.locator("#lesson").bounding_box()
        evaluate = page.locator("#evalrun").bounding_box()
        assert lesson["y"] < evaluate["y"]  # Right under the controls on a phone.
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        go_to(page, 2)
        page.fill("#lesson-guess", "0.9")
        page.click('[data-lesson-action="step"]')
        expect(result_of(page, 2)).to_contain_text("0.9")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
        screenshot(page, f"lesson-2-375-{lang}")
        assert_accessible(page, axe_source)
    finally:
        context.close()


def test_the_first_screen_shows_the_question_beside_the_controls(page, live_server):
    open_run(page, f"{live_server.base_url}/?lang=zh")
    expect(page.locator("#lesson-question")).to_contain_text("我调用 update_weights.run() 五十次")
    toolbar = page.locator(".toolbar").bounding_box()
    lesson = page.locator("#lesson").bounding_box()
    assert lesson["x"] > toolbar["x"] + toolbar["width"] - 1  # Beside them at 1440 px.
    assert lesson["y"] < 200
    # Evaluate versus run sits by the toolbar, on the first screen.
    assert page.locator("#evaluate-button").bounding_box()["y"] < 1000
