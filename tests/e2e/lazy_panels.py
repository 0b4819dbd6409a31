"""The run page's charts and graph are drawn once they come near the screen
(static/js/lib/near-screen.js): a test scrolls to one, as a learner would, before it looks at
it."""

from playwright.sync_api import Page, expect

CHARTS = ("fit-chart", "loss-chart", "slope-chart", "surface-chart")
GRAPH_VIEW = "#graph-view"
# Fetching Plotly or the graph and drawing it, on a machine busy with other tests.
DRAWN_TIMEOUT_MS = 20_000


def show_chart(page: Page, chart_id: str) -> None:
    """Scroll the chart into view and wait until Plotly has drawn it."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    drawn = page.locator(f"#{chart_id} .main-svg").first
    expect(drawn).to_be_attached(timeout=DRAWN_TIMEOUT_MS)


def show_graph(page: Page) -> None:
    """Scroll the graph panel into view and wait until its graph is laid out (or the panel
    says why it cannot be)."""
    page.locator(GRAPH_VIEW).scroll_into_view_if_needed()
    laid_out = page.locator(f"{GRAPH_VIEW} svg.graph, {GRAPH_VIEW} .graph-missing")
    expect(laid_out.first).to_be_attached(timeout=DRAWN_TIMEOUT_MS)


def show_everything(page: Page) -> None:
    """Draw every chart and the graph, by scrolling to each in turn, then go back to the top."""
    for chart_id in CHARTS:
        show_chart(page, chart_id)
    show_graph(page)
    page.evaluate("window.scrollTo(0, 0)")
