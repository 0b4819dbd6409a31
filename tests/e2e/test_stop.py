"""Stop stops where the learner sees it (issue #12): a paced run ends at most one step past the
step the page showed when Stop was pressed, however early; an unpaced one ends where the server
got, and the page shows exactly that step."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import api_run, format_number, open_run, readout, run_id_of
from tests.owners import owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

# Press Stop as soon as the readout shows `step`, in the same task that drew it: what the
# learner sees when they press it is read with the click, not before or after.
STOP_AT_STEP = """(step) => new Promise((resolve) => {
  const readout = document.getElementById("readout-step");
  const pressIfThere = () => {
    const seen = Number(readout.textContent);
    if (seen < step) return false;
    document.getElementById("stop-button").click();
    resolve(seen);
    return true;
  };
  if (pressIfThere()) return;
  const watcher = new MutationObserver(() => pressIfThere() && watcher.disconnect());
  watcher.observe(readout, { childList: true, characterData: true, subtree: true });
})"""

# Keeps the `end` event of each stream the page reads, from a copy of the stream's body.
RECORD_STREAM_ENDS = """(() => {
  window.streamEnds = [];
  const fetchAsThePageDoes = window.fetch;
  window.fetch = async (...args) => {
    const response = await fetchAsThePageDoes(...args);
    if (!String(args[0]).includes("/stream?")) return response;
    const [kept, given] = response.body.tee();
    (async () => {
      const reader = kept.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
        text += value;
        const end = text.match(/event: end\\r?\\ndata: (.*)\\r?\\n/);
        if (end) return window.streamEnds.push(JSON.parse(end[1]));
      }
    })();
    return new Response(given, response);
  };
})();"""


def stopped_run(page: Page, live_server) -> dict:
    """Wait for the page to say where it stopped; the run as the server has it."""
    expect(page.locator("#status")).to_contain_text("Stopped at step")
    expect(page.locator("#run-button")).to_be_enabled()
    return api_run(live_server, run_id_of(page))


@pytest.mark.parametrize("optimizer", ["gradient_descent", "adam"])
@pytest.mark.parametrize(
    "press_at",
    [1, 3, 25],
    ids=["right-after-the-first-step", "during-the-first-frames", "mid-run"],
)
def test_a_paced_run_stops_within_one_step_of_what_the_page_shows(
    page, live_server, optimizer, press_at
):
    run = create_run(live_server, optimizer={"name": optimizer})
    open_run(page, owner_url(live_server.base_url, run))
    page.click("#run-button")  # Run 50: paced, so that each step can be seen.
    seen = page.evaluate(STOP_AT_STEP, press_at)
    stored = stopped_run(page, live_server)["history"]
    assert seen <= len(stored) <= seen + 1, (seen, len(stored))
    # The page shows where the run ended: no step missed, none it does not have.
    last = stored[-1]
    expect(page.locator("#readout-step")).to_have_text(str(len(stored)))
    expect(page.locator("#status")).to_contain_text(f"Stopped at step {len(stored)}.")
    assert readout(page, "loss") == format_number(last["loss_after"])
    # The next step starts from the stored weights, not from a step the page missed.
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text(str(len(stored) + 1))
    record = api_run(live_server, run["id"])["history"][-1]
    assert record["weights_before"] == last["weights_after"]
    b_before, b_after = (format_number(record[k]["b"]) for k in ("weights_before", "weights_after"))
    expect(page.locator("#evalrun-result")).to_contain_text(f"b {b_before} → {b_after}")


def test_an_unpaced_run_shows_the_step_the_server_says_it_stopped_at(page, live_server):
    page.add_init_script(RECORD_STREAM_ENDS)
    open_run(page, f"{live_server.base_url}/")
    page.select_option("#run-length", "5000")
    page.click("#run-button")  # As fast as the server computes, 100 steps a call.
    # At once: the page reads a fast run's steps late, and the server may finish meanwhile.
    page.evaluate(STOP_AT_STEP, 1)
    stored = stopped_run(page, live_server)["steps"]
    (end,) = page.evaluate("window.streamEnds")
    assert end["reason"] == "stopped"
    assert 0 < end["step"] == stored < 5000
    expect(page.locator("#readout-step")).to_have_text(str(end["step"]))
    expect(page.locator("#status")).to_contain_text(f"Stopped at step {end['step']}.")
    expect(page.locator("#timeline")).to_have_value(str(end["step"]))
