"""A long run's page: drawn from a thinned history, and every step shown with its own numbers."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.test_dashboard import READY, chart_data, format_number

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

STEPS = 2600  # Thinned: every 2nd step up to 2,100, then all.


def test_a_step_the_thinned_history_lacks_is_loaded_before_it_is_shown(page, live_server):
    with httpx.Client(base_url=live_server.base_url, timeout=60) as http:
        created = http.post("/api/runs", json={"learning_rate": 0.001}).json()
        token = {"X-Owner-Token": created["owner_token"]}
        http.post(f"/api/runs/{created['id']}/step", json={"n": STEPS}, headers=token)
        run = http.get(f"/api/runs/{created['id']}").json()
        records = http.get(
            f"/api/runs/{created['id']}/history", params={"after": 0, "limit": 20}
        ).json()["records"]
    assert run["history_thinned"]
    sent = {record["step"] for record in run["history"]}
    assert 4 not in sent and 5 in sent

    page.goto(f"{live_server.base_url}{created['url']}?step=4")
    page.wait_for_selector(READY)
    expect(page.locator("#readout-step")).to_have_text("4")
    step4 = records[3]
    expect(page.locator("#readout-b")).to_have_text(format_number(step4["weights_after"]["b"]))
    expect(page.locator("#readout-m")).to_have_text(format_number(step4["weights_after"]["m"]))

    page.locator("#timeline-forward").click()  # Step 5, then 6: loaded with step 4's window.
    page.locator("#timeline-forward").click()
    expect(page.locator("#readout-step")).to_have_text("6")
    expect(page.locator("#readout-b")).to_have_text(format_number(records[5]["weights_after"]["b"]))

    loss_curve = chart_data(page, "loss-chart")[0]
    assert len(loss_curve["x"]) <= 2000
    assert loss_curve["x"][-1] == STEPS
    page.locator("details.data-table[data-table='loss'] summary").click()
    expect(page.locator("details.data-table[data-table='loss'] caption")).to_contain_text(
        f"of its {STEPS} steps"
    )
