"""Each page names, in its head, every module its entry imports (`modulepreload`): the browser
fetches them at once instead of a round trip per level of imports. The list must be exactly
what the page runs: a module missing from it is fetched late, an extra one for nothing."""

import pytest

from tests.e2e.test_dashboard import READY, open_run

FETCHED_MODULES = """
performance.getEntriesByType("resource").map((entry) => entry.name)
  .filter((url) => url.includes("/static/") && url.endsWith(".js"))
"""


@pytest.mark.parametrize("path", ["/", "/compare?runs=a,b"])
def test_the_page_preloads_exactly_the_modules_it_runs(page, live_server, path):
    if path == "/":
        open_run(page, f"{live_server.base_url}/")
    else:
        page.goto(f"{live_server.base_url}{path}")
        page.wait_for_selector(READY)
    preloaded = page.eval_on_selector_all(
        'link[rel="modulepreload"]', "links => links.map((link) => link.href)"
    )
    entry = page.eval_on_selector('script[type="module"]', "script => script.src")
    assert len(preloaded) == len(set(preloaded)) > 5
    assert set(page.evaluate(FETCHED_MODULES)) == {entry, *preloaded}
