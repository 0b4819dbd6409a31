"""The run page does not move under the learner while it loads: what the server renders keeps
its place when the scripts fill it in (the share line's label, the status line)."""

import httpx
import pytest

from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import READY
from tests.owners import owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

# Every layout shift the page makes without input, as the browser measures it for CLS.
RECORD_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver((entries) => {
  for (const entry of entries.getEntries()) {
    if (!entry.hadRecentInput) window.layoutShifts.push(entry.value);
  }
}).observe({ type: "layout-shift", buffered: true });
"""
# Lighthouse's "good" limit is 0.1; #14 asks for under 0.05. The viewer's banner, shown once
# the page knows this browser holds no token, still moves the panels by about 0.03 at 1440 px.
MOST_SHIFT = 0.05


@pytest.mark.parametrize("width", [1440, 375])
@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_the_run_page_keeps_its_layout_while_it_loads(browser, live_server, width, who):
    run = create_run(live_server, steps=20)
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(RECORD_SHIFTS)
        url = owner_url(live_server.base_url, run)
        page.goto(url if who == "owner" else url.split("#", 1)[0])
        page.wait_for_selector(READY)
        page.wait_for_timeout(500)  # The charts' first frame after ready.
        shifts = page.evaluate("window.layoutShifts")
        assert sum(shifts) < MOST_SHIFT, shifts
        assert page.locator("#share-step-label").inner_text() == "Link to step 20"
    finally:
        context.close()


def test_the_server_renders_what_the_scripts_would_otherwise_add(live_server):
    run = create_run(live_server, steps=20)
    html = httpx.get(f"{live_server.base_url}{run['url']}").text
    assert '<span id="share-step-label">Link to step 20</span>' in html
    assert '<p id="status" class="status" role="status" hidden></p>' in html
