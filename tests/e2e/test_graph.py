"""The graph panel as a learner sees it: laid out by dagre, grouped by name scope, the update in
view, every label distinct, groups that open and close by keyboard, in English and Chinese."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.lazy_panels import show_graph
from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import open_run

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

VIEW = "#graph-view"
UPDATE = f"{VIEW} g.node.update"
GRADIENTS = f'{VIEW} [data-group="gradients"]'


LIT = re.compile(r"\blit\b")


def open_graph(page: Page, url: str, width: int) -> None:
    """The run page, scrolled to the graph panel, as a learner reaches it: the graph is laid
    out once the panel comes near the screen."""
    page.set_viewport_size({"width": width, "height": 900})
    open_run(page, url)
    show_graph(page)
    expect(page.locator(UPDATE)).to_be_attached(timeout=20_000)


def box_within(page: Page, selector: str) -> dict:
    """Where `selector` is in the panel's visible box, as the panel is scrolled now."""
    return page.evaluate(
        """([view, selector]) => {
             const panel = document.querySelector(view).getBoundingClientRect();
             const panelInner = document.querySelector(view);
             const box = document.querySelector(selector).getBoundingClientRect();
             return {
               inside: box.left >= panel.left && box.top >= panel.top
                 && box.right <= panel.left + panelInner.clientWidth
                 && box.bottom <= panel.top + panelInner.clientHeight,
               box: [box.left, box.top, box.width, box.height],
               panel: [panel.left, panel.top, panelInner.clientWidth, panelInner.clientHeight],
             };
           }""",
        [VIEW, selector],
    )


def shown_labels(page: Page) -> list[str]:
    """The first line of every op and closed group: what a learner reads as its name."""
    return page.locator(
        f"{VIEW} g.node .node-name, {VIEW} g.group-node .node-name"
    ).all_text_contents()


def names_match_text(page: Page) -> list[str]:
    """Buttons whose accessible name does not start with the words they show."""
    return page.evaluate(
        """(view) => [...document.querySelectorAll(`${view} [role=button]`)]
             .filter((b) => {
               const shown = [...b.querySelectorAll("tspan")].map((t) => t.textContent).join(" ");
               return !b.getAttribute("aria-label").startsWith(shown);
             })
             .map((b) => b.getAttribute("aria-label"))""",
        VIEW,
    )


@pytest.mark.parametrize("width", [1440, 375])
def test_the_first_view_is_small_with_the_update_in_view(page, live_server, screenshot, width):
    open_graph(page, f"{live_server.base_url}/", width)
    # The update, in the panel's box as it opens: no scrolling needed to find it.
    where = box_within(page, UPDATE)
    assert where["inside"], where
    assert page.locator(UPDATE).get_attribute("data-name") == (
        "GradientDescent/update_weights/ResourceApplyGradientDescent"
    )
    # The sample's ops, minimize()'s gradients as one closed box, and the update's scope open.
    expect(page.locator(GRADIENTS)).to_have_attribute("aria-expanded", "false")
    expect(page.locator(GRADIENTS)).to_contain_text("13 ops")
    expect(page.locator(f'{VIEW} [data-group="GradientDescent"]')).to_have_attribute(
        "aria-expanded", "true"
    )
    labels = shown_labels(page)
    assert len(labels) == len(set(labels)) == 11, labels
    size = page.evaluate(
        "(() => { const s = document.querySelector('#graph-view svg');"
        " return [+s.getAttribute('width'), +s.getAttribute('height')]; })()"
    )
    assert size[0] <= 620 and size[1] <= 800, size  # The drawing: 1,272 × 942.
    assert names_match_text(page) == []
    screenshot(page, f"graph-{width}")


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_another_optimizers_update_starts_in_view_too(page, live_server, optimizer):
    run = create_run(live_server, optimizer={"name": optimizer}, learning_rate=0.01)
    open_graph(page, f"{live_server.base_url}{run['url']}", 375)
    where = box_within(page, UPDATE)
    assert where["inside"], where
    labels = shown_labels(page)
    assert len(labels) == len(set(labels)), labels


def test_a_group_opens_and_closes_by_keyboard(page, live_server, screenshot):
    open_graph(page, f"{live_server.base_url}/", 1440)
    mul = f'{VIEW} g.node[data-name="gradients/loss_grad/mul"]'
    expect(page.locator(mul)).to_have_count(0)
    # Tab from the panel (focusable, so the keyboard scrolls it) reaches the graph's buttons.
    page.locator(VIEW).focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.group") == "gradients":
            break
    assert page.evaluate("document.activeElement.dataset.group") == "gradients"
    page.keyboard.press("Enter")
    expect(page.locator(GRADIENTS)).to_have_attribute("aria-expanded", "true")
    expect(page.locator(mul)).to_be_visible()
    # The same group keeps the focus, now as its frame's header, named by what it shows.
    assert page.evaluate("document.activeElement.dataset.group") == "gradients"
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "gradients/ 13 ops"
    labels = shown_labels(page)
    assert len(labels) == len(set(labels)), labels
    deps = page.locator(f'{VIEW} g.node[data-name$="_grad/tuple/group_deps"] .node-name')
    assert sorted(deps.all_text_contents()) == [
        "gradients/ye…/group_deps",
        "gradients/yh…/group_deps",
    ]
    title = page.locator(
        f'{VIEW} g.node[data-name="gradients/yhat_grad/tuple/group_deps"] title'
    ).text_content()
    assert title and title.startswith("gradients/yhat_grad/tuple/group_deps (NoOp)")
    assert names_match_text(page) == []
    screenshot(page, "graph-gradients-open")
    page.keyboard.press(" ")
    expect(page.locator(GRADIENTS)).to_have_attribute("aria-expanded", "false")
    expect(page.locator(mul)).to_have_count(0)
    assert page.evaluate("document.activeElement.dataset.group") == "gradients"


def test_a_closed_group_is_highlighted_when_an_op_inside_it_runs(page, live_server):
    open_run(page, f"{live_server.base_url}/")
    gradients = page.locator(GRADIENTS)
    weights = page.locator(f'{VIEW} [data-group="weights"]')
    page.check('input[name="graph-highlight"][value="step"]')
    expect(gradients).to_have_class(LIT)
    expect(weights).to_have_class(LIT)  # The update reads the variable.
    expect(page.locator(UPDATE)).to_have_class(LIT)
    page.check('input[name="graph-highlight"][value="evaluate"]')
    expect(gradients).not_to_have_class(LIT)
    expect(weights).to_have_class(LIT)  # weights.eval() reads it.
    expect(page.locator(UPDATE)).not_to_have_class(LIT)


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "Stepwise's step counter"), ("zh", "Stepwise 的步数计数器")],
)
def test_the_global_steps_counter_is_labelled_as_stepwises(page, live_server, lang, words):
    run = create_run(live_server, steps=1)
    open_run(page, f"{live_server.base_url}{run['url']}?lang={lang}")
    counter = page.locator(f'{VIEW} g.node[data-name="GradientDescent"]')
    expect(counter).to_have_count(0)  # Stepwise's nodes are hidden at first.
    page.check("#graph-show-stepwise")
    expect(counter).to_have_class(re.compile(r"\bstepwise\b.*\bcount_step\b"))
    assert words in (counter.locator("title").text_content() or "")
    counter.click()
    expect(page.locator("#graph-node")).to_contain_text(words)
    expect(page.locator("#graph-node")).to_contain_text("NoOp")


def test_without_its_layout_library_the_panel_says_so(page, live_server):
    page.route("**/vendor/dagre/**", lambda route: route.fulfill(status=404, body="missing"))
    open_run(page, f"{live_server.base_url}/")
    show_graph(page)  # The layout library is fetched once the panel comes near the screen.
    expect(page.locator(f"{VIEW} .graph-missing")).to_contain_text(
        "this server has no copy of dagre"
    )
    expect(page.locator("#step-button")).to_be_enabled()  # The rest of the page works.


def test_dagre_comes_from_the_server_itself(page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_run(page, f"{live_server.base_url}/")
    # dagre is fetched once the graph panel comes near the screen, at its versioned address.
    show_graph(page)
    expect(page.locator(UPDATE)).to_be_attached(timeout=20_000)
    dagre = re.compile(r"/vendor/dagre/[0-9a-f]+/dagre\.esm\.js$")
    assert any(url.startswith(live_server.base_url) and dagre.search(url) for url in requested)
    assert [url for url in requested if not url.startswith(live_server.base_url)] == []
