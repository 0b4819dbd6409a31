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


def transferred(page: Page, url: str) -> tuple[int, int]:
    """Bytes received and requests made while `url` loads and draws its charts."""
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
    cdp.detach()
    return sum(sizes.values()), len(sizes)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        server = ServerProcess(Path(scratch) / "data", Path(scratch) / "server.log").start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()  # A fresh profile: nothing cached yet.
                url = server.base_url + httpx.post(f"{server.base_url}/api/runs").json()["url"]
                first = transferred(page, url)
                repeat = transferred(page, url)
                browser.close()
        finally:
            server.stop()
    print("| visit | transferred | requests |\n|---|---|---|")
    for name, (size, count) in (("first", first), ("repeat", repeat)):
        print(f"| {name} | {size / 1024:.1f} KiB | {count} |")


if __name__ == "__main__":
    main()
