"""Frame times of the run page while 5,000 steps stream in, twice (to a 10,000-step history).

Run with `make bench-page`. Reports the spacing of animation frames while the steps stream in
(p50, p95, max), every long task (over 50 ms) the browser saw, and how long a page with the
resulting 10,000-step history takes to load and draw.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.owners import owner_url
from tests.server import ServerProcess

RUN_LENGTH = 5_000
RUNS = 2

WATCH_FRAMES = """
window.__frames = []; window.__long = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__long.push(Math.round(entry.duration));
}).observe({ type: "longtask" });
(function tick(last) {
  requestAnimationFrame((now) => { window.__frames.push(now - last); tick(now); });
})(performance.now());
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log").start()
        try:
            run = httpx.post(f"{server.base_url}/api/runs").json()
            url = owner_url(server.base_url, run)  # The page streams: it must own the run.
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                page.goto(url)
                page.wait_for_selector("body[data-ready=true]")
                page.select_option("#run-length", str(RUN_LENGTH))
                page.evaluate(WATCH_FRAMES)
                start = time.perf_counter()
                for index in range(1, RUNS + 1):
                    page.click("#run-button")
                    # A locator's expectation, not wait_for_function: the page's CSP refuses the
                    # string that function would compile.
                    expect(page.locator("#readout-step")).to_have_text(
                        str(RUN_LENGTH * index), timeout=300_000
                    )
                    page.wait_for_selector("#run-button:not([disabled])")
                streamed = time.perf_counter() - start
                frames = page.evaluate("window.__frames")
                long_tasks = page.evaluate("window.__long")
                start = time.perf_counter()
                page.reload()
                page.wait_for_selector("body[data-ready=true]")
                # The charts on the screen, drawn after the first paint, once Plotly is in.
                for chart in ("fit-chart", "loss-chart", "slope-chart"):
                    page.wait_for_selector(f"#{chart} .main-svg")
                load = time.perf_counter() - start
                browser.close()
        finally:
            server.stop()
    frames.sort()
    p95 = frames[int(0.95 * (len(frames) - 1))]
    print(f"{RUNS} × {RUN_LENGTH:,} steps streamed in {streamed:.1f} s")
    print(
        f"frames meanwhile: {len(frames)}, p50 {statistics.median(frames):.1f} ms, "
        f"p95 {p95:.1f} ms, max {frames[-1]:.1f} ms"
    )
    print(f"long tasks (> 50 ms): {sorted(long_tasks) or 'none'}")
    print(f"page with {RUN_LENGTH * RUNS:,} steps: loaded and drawn in {load:.2f} s")


if __name__ == "__main__":
    main()
