"""Bytes a browser transfers to open a run page: a first visit, then a repeat visit.

Run with `make bench-page` (needs Debian's Chromium). Counts what Chromium reports as received
on the wire for every request, so compression and 304 answers are what is measured.
"""

import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.server import ServerProcess


def scroll_through(page: Page) -> None:
    """Scroll to the end of the page a screen at a time, as a reader would, so that every panel
    drawn once it comes near the screen (the charts, the graph) is fetched and drawn."""
    while page.evaluate("window.scrollY + window.innerHeight < document.body.scrollHeight"):
        page.mouse.wheel(0, page.viewport_size["height"] if page.viewport_size else 720)
        page.wait_for_load_state("networkidle")


def transferred(page: Page, url: str, *, read_whole: bool = False) -> tuple[int, int]:
    """Bytes received and requests made while `url` loads and draws what is on the screen
    (or, `read_whole`, what a reader scrolling to its end sees)."""
    sizes: dict[str, int] = {}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_load_state("networkidle")
    if read_whole:
        scroll_through(page)
    cdp.detach()
    return sum(sizes.values()), len(sizes)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log").start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                url = server.base_url + httpx.post(f"{server.base_url}/api/runs").json()["url"]
                page = browser.new_page()  # A fresh profile: nothing cached yet.
                first = transferred(page, url)
                repeat = transferred(page, url)
                whole = transferred(browser.new_page(), url, read_whole=True)
                browser.close()
        finally:
            server.stop()
    print("| visit (1280 × 720) | transferred | requests |\n|---|---|---|")
    rows = (("first", first), ("repeat", repeat), ("first, scrolled to the end", whole))
    for name, (size, count) in rows:
        print(f"| {name} | {size / 1024:.1f} KiB | {count} |")


if __name__ == "__main__":
    main()
