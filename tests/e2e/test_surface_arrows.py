"""The loss surface's arrow is TensorFlow's own next update, for every optimizer, with the plain
gradient step beside it where the optimizer bends it; a diverging run's surface zooms out."""

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.lazy_panels import show_chart
from tests.e2e.live_runs import create_run
from tests.e2e.test_dashboard import api_run, eventually, open_run
from tests.owners import owner_url

pytestmark = pytest.mark.slow  # Starts Chromium and a server process: not in the fast tier.

OPTIMIZERS = {
    "gradient_descent": ("GradientDescentOptimizer", 0.002),
    "momentum": ("MomentumOptimizer", 0.002),
    "adagrad": ("AdagradOptimizer", 0.5),
    "rmsprop": ("RMSPropOptimizer", 0.05),
    "adam": ("AdamOptimizer", 0.1),
}
FIGURE = """(() => {
  const chart = document.getElementById('surface-chart');
  if (!chart.layout) return null;
  // Each arrow is a trace from its tail to its head: {ax, ay} the tail, {x, y} the head.
  const arrows = Object.fromEntries(
    chart.data
      .filter((trace) => trace.meta && trace.meta.role)
      .map((trace) => [
        trace.meta.role,
        { ax: trace.x[0], ay: trace.y[0], x: trace.x[1], y: trace.y[1] },
      ]),
  );
  return {
    kinds: chart.data.map((trace) => trace.type),
    range: { b: chart.layout.xaxis.range, m: chart.layout.yaxis.range },
    arrows,
  };
})()"""


def open_surface(page: Page, url: str) -> None:
    """Open the run and scroll to its loss surface, which is drawn once it comes near the
    screen (at 1440×1000 it is below the fold); its contours arrive a little later."""
    open_run(page, url)
    show_chart(page, "surface-chart")


def figure(page: Page) -> dict | None:
    return page.evaluate(FIGURE)


def arrow_from(page: Page, weights: dict) -> dict:
    """The figure once its next-update arrow starts at `weights` (the step shown)."""
    found: dict = {}

    def drawn() -> bool:
        shown = figure(page)
        arrow = (shown or {}).get("arrows", {}).get("next-update")
        if arrow is None or (arrow["ax"], arrow["ay"]) != (weights["b"], weights["m"]):
            return False
        found.update(shown or {})
        return True

    eventually(drawn, timeout=20)
    return found


def head(arrow: dict) -> np.ndarray:
    return np.array([arrow["x"], arrow["y"]])


def as_float32(weights: dict) -> np.ndarray:
    return np.array([weights["b"], weights["m"]], dtype=np.float32)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=OPTIMIZERS)
def test_the_arrow_is_the_update_tensorflow_makes_next(page, live_server, optimizer):
    class_name, learning_rate = OPTIMIZERS[optimizer]
    run = create_run(live_server, 5, learning_rate=learning_rate, optimizer={"name": optimizer})
    open_surface(page, owner_url(live_server.base_url, run))
    history = api_run(live_server, run["id"])["history"]
    shown = arrow_from(page, history[-1]["weights_after"])
    arrow = shown["arrows"]["next-update"]

    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("6")
    taken = api_run(live_server, run["id"])["history"][-1]
    assert taken["step"] == 6
    # The arrow drawn before the step points where TensorFlow's step then took the weights.
    np.testing.assert_array_equal(
        head(arrow).astype(np.float32), as_float32(taken["weights_after"])
    )
    # −lr·∇L from the same weights, with the gradient the step applied (in float64, as drawn).
    before, gradient = (
        as_float32(taken[key]).astype(np.float64) for key in ("weights_before", "gradient")
    )
    plain = before - learning_rate * gradient
    caption = page.locator("#surface-caption")
    expect(caption).to_contain_text(class_name)
    if optimizer == "gradient_descent":
        assert "gradient-step" not in shown["arrows"]  # Its update is the gradient step.
        np.testing.assert_allclose(head(arrow), plain, rtol=1e-6, atol=1e-6)
    else:
        faint = shown["arrows"]["gradient-step"]
        np.testing.assert_allclose(head(faint), plain, rtol=1e-12)
        assert (faint["ax"], faint["ay"]) == (arrow["ax"], arrow["ay"])
        assert not np.allclose(head(faint), head(arrow), rtol=1e-4)  # The optimizer bends it.
        expect(caption).to_contain_text("The faint arrow is the plain gradient step")
    # Now the arrow previews step 7 from the weights step 6 left.
    arrow_from(page, taken["weights_after"])


def test_adam_at_step_50_draws_its_real_small_move(page, live_server, screenshot):
    run = create_run(live_server, 50, learning_rate=0.1, optimizer={"name": "adam"})
    detail = httpx.get(f"{live_server.base_url}/api/runs/{run['id']}/steps/51").json()
    before = detail["weights_before"]
    open_surface(page, owner_url(live_server.base_url, run))
    shown = arrow_from(page, before)
    arrow, faint = shown["arrows"]["next-update"], shown["arrows"]["gradient-step"]
    real_move = head(arrow) - np.array([arrow["ax"], arrow["ay"]])
    plain_move = head(faint) - np.array([faint["ax"], faint["ay"]])
    # Adam's step is small in m, against a plain gradient step that is large and the other way.
    assert abs(real_move[1]) < 0.01, real_move
    assert plain_move[1] > 0.4, plain_move
    preview = detail["preview"]["weights_after"]
    assert (arrow["x"], arrow["y"]) == (preview["b"], preview["m"])
    caption = page.locator("#surface-caption")
    expect(caption).to_contain_text("Step 51 moves the weights by")
    expect(caption).to_contain_text("The plain gradient step would move them by")
    eventually(lambda: (figure(page) or {}).get("kinds", [None])[0] == "contour")
    page.locator("figure.panel:has(#surface-chart)").screenshot(path=ARTIFACTS / "surface-adam.png")
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("51")
    taken = api_run(live_server, run["id"])["history"][-1]
    assert (arrow["x"], arrow["y"]) == (taken["weights_after"]["b"], taken["weights_after"]["m"])


def test_gradient_descent_surface_screenshot(page, live_server):
    run = create_run(live_server, 20, learning_rate=0.004)
    open_surface(page, owner_url(live_server.base_url, run))
    arrow_from(page, api_run(live_server, run["id"])["history"][-1]["weights_after"])
    eventually(lambda: (figure(page) or {}).get("kinds", [None])[0] == "contour")
    expect(page.locator("#surface-caption")).to_contain_text("GradientDescentOptimizer")
    page.locator("figure.panel:has(#surface-chart)").screenshot(path=ARTIFACTS / "surface-gd.png")


def inside(range_: dict, weights: dict) -> bool:
    return (
        range_["b"][0] <= weights["b"] <= range_["b"][1]
        and range_["m"][0] <= weights["m"] <= range_["m"][1]
    )


def window_when(page: Page, condition) -> dict:
    """The surface's axis ranges, once the contours are drawn and `condition(range)` holds."""
    found: dict = {}

    def drawn() -> bool:
        shown = figure(page)
        if not shown or shown["kinds"][0] != "contour" or not condition(shown["range"]):
            return False
        found.update(shown["range"])
        return True

    eventually(drawn, timeout=20)
    return found


def test_a_diverging_runs_surface_zooms_out_to_its_path(page, live_server):
    run = create_run(live_server, 15, learning_rate=0.01)  # Grows ~3x a step; not yet overflowed.
    history = api_run(live_server, run["id"])["history"]
    last = history[-1]["weights_after"]
    assert 1e3 < max(abs(last["b"]), abs(last["m"])) < 1e6, last
    open_surface(page, owner_url(live_server.base_url, run))
    window = window_when(page, lambda range_: inside(range_, last))
    answer = api_run(live_server, run["id"])["answer"]
    assert inside(window, answer)  # The valley is still in the picture.
    expect(page.locator("#surface-caption")).to_contain_text("zoomed out to show all of it")
    page.locator("figure.panel:has(#surface-chart)").screenshot(
        path=ARTIFACTS / "surface-diverging.png"
    )


def test_an_overflowed_runs_surface_says_where_it_cannot_follow(page, live_server):
    run = create_run(live_server, 200, learning_rate=1.0)
    stored = api_run(live_server, run["id"])
    assert stored["diverged"]
    finite = [r for r in stored["history"] if r["weights_after"]["b"] is not None]
    last = finite[-1]["weights_after"]
    assert max(abs(last["b"]), abs(last["m"])) > 1e6  # ≈ −1.8e18: past what the API computes.
    within = [
        r["weights_after"]
        for r in finite
        if max(abs(r["weights_after"]["b"]), abs(r["weights_after"]["m"])) <= 1e6
    ]
    open_surface(page, owner_url(live_server.base_url, run))
    window = window_when(page, lambda range_: inside(range_, within[-1]))
    assert all(abs(v) <= 1e6 for v in (*window["b"], *window["m"]))
    caption = page.locator("#surface-caption")
    expect(caption).to_contain_text("beyond ±1,000,000")
    expect(caption).to_contain_text(f"The last finite weights (step {finite[-1]['step']})")
    page.locator("figure.panel:has(#surface-chart)").screenshot(
        path=ARTIFACTS / "surface-overflowed.png"
    )
