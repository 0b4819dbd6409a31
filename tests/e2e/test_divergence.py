"""A diverging run says when and why, with this run's numbers, and retries at a stable rate;
an adaptive optimizer's step shows its slot variables."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import api_run, format_number, open_run, run_id_of

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.


def create(live_server, steps: int, **spec) -> dict:
    """A run stepped `steps` times, as GET /api/runs/{id} answers it."""
    return api_run(live_server, create_run(live_server, steps, **spec)["id"])


def test_a_growing_loss_is_explained_and_retried_at_a_stable_rate(page, live_server, screenshot):
    run = create(live_server, 30, learning_rate=0.01)
    stability = run["stability"]
    open_run(page, f"{live_server.base_url}{run['url']}")
    banner = page.locator("#divergence")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("grown at every step since step 1")
    limit = format_number(stability["max_stable_learning_rate"])
    expect(banner).to_contain_text(f"lr < 2/λ_max = {limit}")
    expect(banner).to_contain_text(f"λ_max = {format_number(stability['hessian_eigenvalues'][1])}")
    expect(banner).to_contain_text("learning rate 0.01 is")
    screenshot(page, "divergence-explained")

    retry = page.locator("#retry-button")
    suggested = stability["suggested_learning_rate"]
    expect(retry).to_have_text(f"Retry with learning rate {suggested}")
    retry.click()
    page.wait_for_url(lambda url: run["id"] not in url)
    again = api_run(live_server, run_id_of(page))
    assert again["config"]["learning_rate"] == suggested
    assert again["points"] == run["points"]
    assert again["initial_weights"] == run["initial_weights"]
    page.locator("#run-button").click()
    expect(page.locator("#readout-step")).to_have_text("50", timeout=20_000)
    history = api_run(live_server, again["id"])["history"]
    assert history[-1]["loss_after"] < history[0]["loss_before"]
    expect(page.locator("#divergence")).to_be_hidden()
    # The diverging run is kept as it was.
    assert len(api_run(live_server, run["id"])["history"]) == 30


def test_an_overflow_says_at_which_step(page, live_server):
    run = create(live_server, 200, learning_rate=1.0)
    assert run["diverged"]
    open_run(page, f"{live_server.base_url}{run['url']}")
    expect(page.locator("#divergence")).to_contain_text(
        f"overflowed to infinity at step {run['diverged_at']}"
    )


def test_adam_step_shows_its_slots_from_the_session(page, live_server, screenshot):
    run = create(live_server, 3, learning_rate=0.1, optimizer={"name": "adam"})
    detail = httpx.get(f"{live_server.base_url}/api/runs/{run['id']}/steps/3").json()
    open_run(page, f"{live_server.base_url}{run['url']}")
    rule = page.locator("#update-rule")
    expect(rule).to_contain_text("AdamOptimizer runs ApplyAdam")
    after = detail["variables_after"]
    for target, value in [
        ("m_b", after["m"][0]),
        ("v_m", after["v"][1]),
        ("beta1_power", after["beta1_power"][0]),
        ("b", after["weights"][0]),
    ]:
        row = rule.locator(f'.rule[data-target="{target}"]')
        expect(row.locator("[data-part$=after]")).to_have_text(format_number(value))
    before = detail["variables_before"]
    expect(rule.locator('.rule[data-target="m_m"] [data-part="slot-before"]')).to_have_text(
        format_number(before["m"][1])
    )
    expect(page.locator('#numpy-check [data-part="difference"]')).to_contain_text(
        "within float32 rounding"
    )
    page.locator(".step-detail").screenshot(path=ARTIFACTS / "adam-step.png")
