"""The classroom topology of compose.yaml, run for real: PostgreSQL, three replicas of the
image, and nginx routing each run to one replica by its id.

Two learners' browsers open runs through nginx and step them; the replica serving one of
them is killed; both learners step on, and their runs go on exactly, from PostgreSQL, on a
replica still alive.
"""

import re
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from app.settings import PROJECT_ROOT
from tests.e2e.containers.compose_topology import Topology
from tests.e2e.containers.docker_cli import (
    CONTAINER_TESTS,
    docker,
    logs,
    wait_for_quiet_network,
)
from tests.e2e.test_dashboard import READY, run_id_of
from tests.owners import owner_headers

pytestmark = CONTAINER_TESTS

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
LEARNERS = 2
STEPS_BEFORE = 2
TIMEOUT = httpx.Timeout(60.0)
# The first request after a replica dies waits for nginx to find it gone (its connect
# timeout, 2 s in deploy/routes.conf); generous, for a loaded machine.
FAILOVER_TIMEOUT_MS = 30_000
# The first pages are the replicas' first requests, each building its first TensorFlow graph,
# on a machine that may be busy with other work: a bound on liveness, not a speed target.
FIRST_PAGE_TIMEOUT_MS = 90_000
LOG_LINES = 40


def tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def topology(app_image) -> Iterator[Topology]:
    running = Topology(COMPOSE, PROJECT_ROOT)
    try:
        yield running.up()
    finally:
        running.down()


@pytest.fixture(autouse=True)
def containers_logged_on_failure(request, topology: Topology) -> Iterator[None]:
    """A failure here happens on another machine's CI: print what every container said."""
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        for replicas in topology.containers.values():
            for container in replicas:
                print(f"--- {container} ---\n{tail(logs(container), LOG_LINES)}")


def replicas_stepping(topology: Topology, run_id: str) -> set[str]:
    """The replicas whose access log shows a step of the run."""
    request = f"POST /api/runs/{run_id}/step "
    return {name for name in topology.containers["app"] if request in logs(name)}


def history(base: str, run_id: str) -> list[dict]:
    response = httpx.get(f"{base}/api/runs/{run_id}", timeout=TIMEOUT)
    response.raise_for_status()
    return list(response.json()["history"])


def step_in_page(page: Page, times: int, timeout: float | None = None) -> None:
    for _ in range(times):
        shown = int(page.locator("#readout-step").inner_text())
        page.click("#step-button")
        expect(page.locator("#readout-step")).to_have_text(str(shown + 1), timeout=timeout)


def narrate(page: Page, learner: int) -> None:
    """Print what the page asks and what goes wrong (shown only if the test fails)."""
    start = time.monotonic()

    def say(what: str) -> None:
        print(f"learner {learner} +{time.monotonic() - start:.1f}s {what}")

    page.on("requestfinished", lambda r: say(f"{r.method} {r.url} done"))
    page.on("requestfailed", lambda r: say(f"{r.method} {r.url} FAILED {r.failure}"))
    page.on("console", lambda message: say(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: say(f"page error: {error}"))


def test_runs_go_on_exactly_on_another_replica_when_theirs_is_killed(topology, browser: Browser):
    assert len(topology.containers["app"]) == COMPOSE["services"]["app"]["deploy"]["replicas"] == 3
    base = topology.url("nginx", 80)
    viewport = {"width": 1280, "height": 900}
    contexts = [browser.new_context(viewport=viewport) for _ in range(LEARNERS)]
    try:
        pages = [context.new_page() for context in contexts]
        for learner, page in enumerate(pages):
            narrate(page, learner)
        for page in pages:
            page.goto(f"{base}/")
            page.wait_for_selector(READY, timeout=FIRST_PAGE_TIMEOUT_MS)
            step_in_page(page, STEPS_BEFORE)
        runs = [run_id_of(page) for page in pages]
        # Each run was stepped on one replica only: nginx keeps a run where its session is.
        serving = {run: replicas_stepping(topology, run) for run in runs}
        assert all(len(replicas) == 1 for replicas in serving.values()), serving

        (killed,) = serving[runs[0]]
        docker("kill", killed)
        wait_for_quiet_network()  # Its interface is gone: see wait_for_quiet_network.
        for page in pages:
            step_in_page(page, 1, timeout=FAILOVER_TIMEOUT_MS)
            expect(page.locator("#status")).not_to_contain_text(re.compile("error", re.I))
        # The killed replica's run was stepped by another replica, from the database.
        assert replicas_stepping(topology, runs[0]) - {killed}

        # Exactly the steps of the same run never interrupted, stepped on one replica.
        fresh = httpx.post(f"{base}/api/runs", json={}, timeout=TIMEOUT).json()
        httpx.post(
            f"{base}/api/runs/{fresh['id']}/step",
            json={"n": STEPS_BEFORE + 1},
            headers=owner_headers(fresh),
            timeout=TIMEOUT,
        ).raise_for_status()
        expected = history(base, fresh["id"])
        for run in runs:
            assert history(base, run) == expected
    finally:
        for context in contexts:
            context.close()
