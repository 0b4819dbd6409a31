"""The image as a teacher runs it: `docker run` with a volume, then stop and start it again.

It must turn healthy by its own HEALTHCHECK, serve as a user other than root, keep a run on
its volume across `docker stop`/`docker start` (the run then goes on exactly as one never
stopped), stop gracefully inside 5 s even with a stream open, and serve the page and Plotly
itself.
"""

import threading
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.api.sse import parse_events
from tests.e2e.containers.docker_cli import (
    CONTAINER_TESTS,
    HEALTH_INTERVAL,
    docker,
    published_url,
    remove,
    state,
    unique_name,
    wait_for_quiet_network,
    wait_healthy,
)
from tests.e2e.lazy_panels import show_chart
from tests.e2e.test_dashboard import READY
from tests.owners import owner_headers

pytestmark = CONTAINER_TESTS

IMAGE_USER_ID = "10001"  # The Dockerfile's USER.
STOP_SECONDS = 5  # `docker stop` must return within this; past it the engine kills.
SIGKILLED = 137
TIMEOUT = httpx.Timeout(60.0)


class Container:
    """One container of the image, its data on a named volume of its own."""

    def __init__(self, image: str) -> None:
        self.name = unique_name("stepwise-ci-image")
        self.volume = unique_name("stepwise-ci-data")
        docker(
            "run", "--detach", "--name", self.name, "--publish", "127.0.0.1::8000",
            "--volume", f"{self.volume}:/data", "--health-interval", HEALTH_INTERVAL, image,
        )  # fmt: skip
        wait_healthy(self.name)
        wait_for_quiet_network()  # For the browser on this host (docker_cli.py).

    @property
    def api(self) -> str:
        # The published port changes at each start.
        return f"{published_url(self.name, 8000)}/api/runs"

    def remove(self) -> None:
        remove(self.name)
        docker("volume", "rm", "--force", self.volume)


@pytest.fixture(scope="module")
def container(app_image) -> Iterator[Container]:
    running = Container(app_image)
    yield running
    running.remove()


def history(api: str, run_id: str) -> list[dict]:
    response = httpx.get(f"{api}/{run_id}", timeout=TIMEOUT)
    response.raise_for_status()
    return list(response.json()["history"])


def step(api: str, run: dict, n: int) -> None:
    url = f"{api}/{run['id']}/step"
    httpx.post(url, json={"n": n}, headers=owner_headers(run), timeout=TIMEOUT).raise_for_status()


def test_the_image_is_healthy_and_serves_as_a_user_other_than_root(container):
    assert state(container.name)["Health"]["Status"] == "healthy"
    # PID 1 is the server itself (exec form), and it runs as the image's user.
    status = docker("exec", container.name, "cat", "/proc/1/status")
    (uids,) = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")]
    assert uids == [IMAGE_USER_ID] * 4
    assert docker("exec", container.name, "cat", "/proc/1/cmdline").startswith("python\0-m\0app")
    # The image has no Node: npm ran in a build stage of its own.
    assert docker("exec", container.name, "sh", "-c", "command -v node || echo none") == "none"


def test_a_run_survives_stop_and_start_and_goes_on_exactly(container):
    api = container.api
    run = httpx.post(api, json={"optimizer": {"name": "adam"}, "seed": 3}, timeout=TIMEOUT).json()
    step(api, run, 3)
    before = history(api, run["id"])

    # A paced stream is open when the container is stopped: it gets its `shutdown` end and
    # the server still exits by itself, before the engine would kill it.
    events: list[tuple[str, dict]] = []
    streaming = threading.Event()

    def stream() -> None:
        url = f"{api}/{run['id']}/stream"
        params = {"n": 5000, "interval_ms": 200}
        headers = owner_headers(run)
        with httpx.stream("GET", url, params=params, headers=headers, timeout=TIMEOUT) as sse:
            lines = sse.iter_lines()
            for line in lines:
                if line.startswith("event: step"):
                    streaming.set()
                    break
            events.extend(parse_events(lines))

    reader = threading.Thread(target=stream)
    reader.start()
    assert streaming.wait(30)
    docker("stop", "--time", str(STOP_SECONDS), container.name)
    reader.join(30)
    stopped = state(container.name)
    assert stopped["ExitCode"] == 0, f"exit {stopped['ExitCode']} (137: killed at {STOP_SECONDS} s)"
    assert events and events[-1][0] == "end" and events[-1][1]["reason"] == "shutdown"
    streamed = events[-1][1]["step"]

    docker("start", container.name)
    wait_healthy(container.name)
    api = container.api
    kept = history(api, run["id"])
    assert kept[: len(before)] == before
    assert len(kept) == streamed  # Every step the stream sent was stored, and no other.

    step(api, run, 2)
    fresh = httpx.post(api, json={"optimizer": {"name": "adam"}, "seed": 3}, timeout=TIMEOUT).json()
    step(api, fresh, streamed + 2)
    assert history(api, run["id"]) == history(api, fresh["id"])


def test_the_page_and_plotly_load_from_the_container(container, page):
    base = published_url(container.name, 8000)
    elsewhere: list[str] = []

    def note_other_hosts(request) -> None:
        if not request.url.startswith(base):
            elsewhere.append(request.url)

    page.on("request", note_other_hosts)
    page.goto(f"{base}/")
    page.wait_for_selector(READY)
    show_chart(page, "fit-chart")  # Plotly is fetched for the first chart drawn.
    assert page.evaluate("typeof Plotly.newPlot") == "function"
    page.click("#step-button")
    expect(page.locator("#readout-step")).to_have_text("1")
    assert elsewhere == []  # Nothing from another host: it works offline.
    # The image made Brotli copies of the libraries' scripts when it was built.
    plotly = page.get_attribute('meta[name="plotly-src"]', "content")
    assert plotly
    sent = httpx.get(base + plotly, headers={"Accept-Encoding": "br"}, timeout=TIMEOUT)
    assert sent.status_code == 200 and sent.headers["content-encoding"] == "br"
