"""Frame times of the run page with a long history: 10,000 stored steps, then Run 50 three times.

Run with `make bench-page`. Reports the page's load time, the spacing of animation frames
while steps stream in (p50, p95, max) and every long task (over 50 ms) the browser saw.
"""

import statistics
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.server import ServerProcess

HISTORY = 10_000
RUNS = 3

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
            api = f"{server.base_url}/api/runs"
            run = httpx.post(api).json()
            for _ in range(HISTORY // 1000):
                httpx.post(f"{api}/{run['id']}/step", json={"n": 1000}, timeout=120)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                start = time.perf_counter()
                page.goto(server.base_url + run["url"])
                page.wait_for_selector("body[data-ready=true]")
                load = time.perf_counter() - start
                page.evaluate(WATCH_FRAMES)
                for index in range(1, RUNS + 1):
                    page.click("#run-button")
                    target = str(HISTORY + 50 * index)
                    page.wait_for_function(
                        f"document.getElementById('readout-step').textContent === '{target}'",
                        timeout=120_000,
                    )
                    page.wait_for_selector("#run-button:not([disabled])")
                frames = page.evaluate("window.__frames")
                long_tasks = page.evaluate("window.__long")
                browser.close()
        finally:
            server.stop()
    frames.sort()
    p95 = frames[int(0.95 * (len(frames) - 1))]
    print(f"page with {HISTORY:,} steps: loaded and drawn in {load:.2f} s")
    print(
        f"frames while {RUNS} × 50 steps streamed: {len(frames)}, "
        f"p50 {statistics.median(frames):.1f} ms, p95 {p95:.1f} ms, max {frames[-1]:.1f} ms"
    )
    print(f"long tasks (> 50 ms): {sorted(long_tasks) or 'none'}")


if __name__ == "__main__":
    main()
