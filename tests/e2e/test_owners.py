"""Owners and viewers in the browser, assignment links and the teacher's page."""

import json

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, TEACHER_TOKEN
from tests.e2e.test_dashboard import READY, api_run, open_run, run_id_of

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

OWNER_KEY = "stepwise.ownerTokens"
VIEWER_BANNER = "You are viewing someone else's run"
# Two requests and a redraw; generous, as a full serial run on a shared machine can be slow.
EVALUATE_WAIT_MS = 20_000


def kept_tokens(page: Page) -> dict[str, str]:
    return json.loads(page.evaluate(f"localStorage.getItem('{OWNER_KEY}') || '{{}}'"))


def change_controls(page: Page) -> list:
    return [page.locator(f"#{c}") for c in ("step-button", "run-button", "reset-button")] + [
        page.locator("#update-button")
    ]


def test_the_owner_steps_and_streams_with_the_token_in_a_header(page, live_server):
    streams: list = []
    page.on("request", lambda r: streams.append(r) if "/stream?" in r.url else None)
    open_run(page, f"{live_server.base_url}/")
    run_id = run_id_of(page)  # The fragment with the token is gone from the address.
    assert "#" not in page.url
    token = kept_tokens(page)[run_id]
    assert len(token) == 43
    expect(page.locator("#view-only")).to_be_hidden()

    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
    page.click("#run-button")
    expect(page.locator("#readout-step")).to_have_text("51", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("Ran 50 steps")
    assert len(api_run(live_server, run_id)["history"]) == 51
    (stream,) = streams
    assert stream.headers["x-owner-token"] == token
    assert token not in stream.url


def test_a_viewer_replays_and_forks_but_cannot_change(page, browser, live_server, screenshot):
    open_run(page, f"{live_server.base_url}/")
    page.click("#run-button")
    expect(page.locator("#readout-step")).to_have_text("50", timeout=30_000)
    link = page.locator("#share-link").input_value()

    classmate = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        viewer = classmate.new_page()
        open_run(viewer, link)
        original = run_id_of(viewer)
        banner = viewer.locator("#view-only")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(VIEWER_BANNER)
        for control in change_controls(viewer):
            expect(control).to_be_disabled()
        expect(viewer.locator("#evaluate-button")).to_be_enabled()
        viewer.locator("body").press("s")  # The shortcut changes nothing either.
        viewer.locator("#timeline").fill("20")  # Replay is the viewer's.
        expect(viewer.locator("#readout-step")).to_have_text("20")
        screenshot(viewer, "viewer")
        assert len(api_run(live_server, original)["history"]) == 50

        viewer.click("#fork-button")
        viewer.wait_for_url(lambda url: original not in url, timeout=30_000)
        viewer.wait_for_selector(READY)
        expect(viewer.locator("#view-only")).to_be_hidden()
        expect(viewer.locator("#readout-step")).to_have_text("20")
        viewer.click("#step-button")
        expect(viewer.locator("#readout-step")).to_have_text("21")
        fork_id = viewer.url.split("/runs/")[1].split("?")[0]
        assert len(api_run(live_server, fork_id)["history"]) == 21
        assert len(api_run(live_server, original)["history"]) == 50
    finally:
        classmate.close()


def test_evaluate_on_a_page_the_run_has_moved_past_shows_the_run_as_it_is(page, live_server):
    run = httpx.post(f"{live_server.base_url}/api/runs", json={}).json()
    owner = {"X-Owner-Token": run["owner_token"]}
    step_url = f"{live_server.base_url}/api/runs/{run['id']}/step"
    httpx.post(step_url, json={"n": 3}, headers=owner).raise_for_status()
    open_run(page, f"{live_server.base_url}/runs/{run['id']}")  # A viewer, at step 3.
    expect(page.locator("#readout-step")).to_have_text("3")
    httpx.post(step_url, json={"n": 5}, headers=owner).raise_for_status()  # The owner goes on.
    page.click("#evaluate-button")
    # The click always shows something: the reading, or why the server refused it. Waited for
    # as long as a busy machine may take, then told apart, so a refusal fails with its message.
    answer = page.locator("#evalrun-result:not(:empty), #status[data-kind=error]")
    expect(answer.first).to_be_visible(timeout=EVALUATE_WAIT_MS)
    expect(page.locator("#status")).not_to_have_attribute("data-kind", "error")
    # Not "nothing changed: still step 8" beside panels at step 3: the page takes the run first.
    expect(page.locator("#evalrun-result")).to_contain_text("moved on to step 8")
    expect(page.locator("#readout-step")).to_have_text("8")
    expect(page.locator("#timeline")).to_have_value("8")
    current = api_run(live_server, run["id"])["current"]
    expect(page.locator("#evalrun-result")).to_contain_text("step 8. Evaluate read loss = ")
    assert current["step"] == 8


def test_a_refused_change_shows_the_servers_message(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    run_id = run_id_of(page)
    # The browser holds a token that is not the run's (say, from another server).
    page.evaluate(f"localStorage.setItem('{OWNER_KEY}', JSON.stringify({{'{run_id}': 'x'}}))")
    open_run(page, page.url)
    page.click("#step-button")
    expect(page.locator("#status")).to_contain_text("view-only link")
    expect(page.locator("#view-only")).to_be_visible()
    expect(page.locator("#step-button")).to_be_disabled()


def test_blocked_storage_still_keeps_the_token_for_the_page(browser, live_server):
    context = browser.new_context()
    # As a browser that refuses storage: every localStorage call throws.
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', { get() { throw new Error('blocked'); } });"
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_run(page, f"{live_server.base_url}/")
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text("1")
        assert errors == []
    finally:
        context.close()


def test_an_assignment_link_locks_its_settings_in_the_form(page, live_server, screenshot):
    link = f"{live_server.base_url}/new?lr=0.01&optimizer=adam&beta1=0.8&lock=lr,optimizer"
    open_run(page, link)
    run = api_run(live_server, run_id_of(page))
    assert run["config"]["locks"] == ["learning_rate", "optimizer"]
    page.click("#new-run-button")
    for locked in ("#lr-value", "#lr-slider", "#optimizer", '[data-param="beta1"]'):
        expect(page.locator(locked)).to_be_disabled()
    for free in ("#loss", 'input[name="seed"]'):
        expect(page.locator(free)).to_be_enabled()
    for setting in ("learning_rate", "optimizer"):
        note = page.locator(f'[data-lock-note="{setting}"]')
        expect(note).to_be_visible()
        expect(note).to_have_text("set by your teacher")
        expect(note.locator("img.lock-icon")).to_be_visible()
    expect(page.locator('[data-lock-note="loss"]')).to_be_hidden()
    expect(page.locator("#lr-value")).to_have_value("0.01")
    page.locator("#new-run-dialog").screenshot(path=ARTIFACTS / "assignment-form.png")

    page.fill('input[name="seed"]', "5")
    page.click("#new-run-submit")
    page.wait_for_url(lambda url: run["id"] not in url, timeout=30_000)
    page.wait_for_selector(READY)
    again = api_run(live_server, run_id_of(page))
    assert again["config"]["locks"] == ["learning_rate", "optimizer"]
    assert again["config"]["learning_rate"] == 0.01 and again["config"]["seed"] == 5
    assert again["config"]["optimizer_params"]["beta1"] == 0.8
    expect(page.locator("#view-only")).to_be_hidden()  # The student owns the new run too.


def test_a_locked_learning_rate_explains_why_there_is_no_retry(page, live_server):
    open_run(page, f"{live_server.base_url}/new?lr=0.01&lock=lr")
    page.click("#run-button")
    expect(page.locator("#readout-step")).to_have_text("50", timeout=30_000)
    divergence = page.locator("#divergence")
    expect(divergence).to_contain_text("set by your teacher")
    expect(page.locator("#retry-button")).to_have_count(0)


def test_the_teacher_lists_the_runs_and_makes_an_assignment_link(page, live_server, screenshot):
    student = httpx.post(f"{live_server.base_url}/api/runs", json={"learning_rate": 0.004})
    student_id = student.json()["id"]
    page.goto(f"{live_server.base_url}/class?token={TEACHER_TOKEN}")
    page.wait_for_selector(READY)
    assert page.url == f"{live_server.base_url}/class"  # The token left the address.
    row = page.locator(f'tr[data-run="{student_id}"]')
    expect(row).to_contain_text("GradientDescent")
    expect(row).to_contain_text("0.004")
    row.locator(f'a[href="/runs/{student_id}"]').click()
    page.wait_for_selector(READY)
    expect(page.locator("#view-only")).to_be_visible()  # The teacher views, as anyone.
    page.go_back()
    page.wait_for_selector(READY)

    page.fill('input[name="lr"]', "0.05")
    page.select_option('select[name="optimizer"]', "momentum")
    page.check('[data-lock-for="lr"]')
    page.check('[data-lock-for="optimizer"]')
    link = f"{live_server.base_url}/new?lr=0.05&optimizer=momentum&lock=lr,optimizer"
    expect(page.locator("#assignment-link")).to_have_value(link)
    screenshot(page, "class")

    open_run(page, link)
    config = api_run(live_server, run_id_of(page))["config"]
    assert (config["learning_rate"], config["optimizer"]) == (0.05, "momentum")
    assert config["locks"] == ["learning_rate", "optimizer"]


def test_the_assignment_form_offers_no_settings_a_preset_overrides(page, live_server):
    page.goto(f"{live_server.base_url}/class?token={TEACHER_TOKEN}")
    page.wait_for_selector(READY)
    link = page.locator("#assignment-link")
    page.fill('input[name="num_points"]', "20")
    expect(link).to_have_value(f"{live_server.base_url}/new?num_points=20")
    page.select_option('select[name="preset"]', "outlier")
    # The outlier preset makes its own 9 points: the form no longer offers a count or noise.
    expect(page.locator('input[name="num_points"]')).to_be_hidden()
    expect(page.locator('input[name="noise"]')).to_be_hidden()
    expect(page.locator("#assignment-preset-points")).to_be_visible()
    expect(link).to_have_value(f"{live_server.base_url}/new?preset=outlier")
    page.select_option('select[name="preset"]', "")
    expect(page.locator('input[name="num_points"]')).to_be_visible()
    expect(page.locator("#assignment-preset-points")).to_be_hidden()
    expect(link).to_have_value(f"{live_server.base_url}/new?num_points=20")


def test_the_assignment_form_offers_the_chosen_schedules_parameters(page, live_server):
    page.goto(f"{live_server.base_url}/class?token={TEACHER_TOKEN}")
    page.wait_for_selector(READY)
    link = page.locator("#assignment-link")
    expect(page.locator('input[name="decay_steps"]')).to_be_hidden()
    page.fill('input[name="lr"]', "0.01")
    page.select_option('select[name="schedule"]', "piecewise_constant")
    expect(page.locator('input[name="decay_steps"]')).to_be_hidden()
    page.fill('input[name="boundaries"]', "5,20")
    page.fill('input[name="values"]', "0.01,0.005,0.001")
    page.check('[data-lock-for="lr"]')
    expect(link).to_have_value(
        f"{live_server.base_url}/new?lr=0.01&schedule=piecewise_constant&boundaries=5,20"
        "&values=0.01,0.005,0.001&lock=lr"
    )
    page.select_option('select[name="schedule"]', "cosine_decay")
    page.fill('input[name="decay_steps"]', "40")
    expect(page.locator('input[name="boundaries"]')).to_be_hidden()
    expect(link).to_have_value(
        f"{live_server.base_url}/new?lr=0.01&schedule=cosine_decay&decay_steps=40&lock=lr"
    )
    open_run(page, link.input_value())
    config = api_run(live_server, run_id_of(page))["config"]
    assert config["learning_rate_schedule"] == {
        "name": "cosine_decay",
        "params": {"decay_steps": 40, "alpha": 0.0},
    }
    assert config["locks"] == ["learning_rate"]


def test_the_teacher_page_refuses_a_wrong_token(page, live_server):
    response = page.goto(f"{live_server.base_url}/class?token=wrong")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("That teacher token is not right")
