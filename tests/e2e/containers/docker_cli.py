"""The Docker CLI as the container tests drive it, and the switch that turns those tests on.

They build images and start containers, which takes minutes and a running engine, so they run
from `.ci/containers` (which starts the engine and builds the stand-in base images) and are
skipped, with that said, in `make test`.
"""

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

ENABLED = os.environ.get("STEPWISE_TEST_CONTAINERS") == "1"
CONTAINER_TESTS = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not ENABLED,
        reason="run by .ci/containers, which starts a container engine and builds the images",
    ),
]
# The name compose.yaml gives the image it builds from the Dockerfile (`image: stepwise`).
APP_IMAGE = "stepwise"
HEALTH_TIMEOUT_SECONDS = 180  # Importing TensorFlow in a container on a busy machine.
# Containers are checked this often for health, instead of the images' own 5-30 s: only how
# soon a healthy container is noticed changes, not the check itself.
HEALTH_INTERVAL = "1s"
# compose.yaml's checks run every 5 s; at 1 s, five times the retries wait as long.
HEALTH_RETRY_FACTOR = 5


class DockerError(RuntimeError):
    pass


def docker(*arguments: str, timeout: float = 900) -> str:
    """Run `docker ARGUMENTS…`; its standard output, stripped. Fails with its standard error."""
    result = subprocess.run(
        ["docker", *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise DockerError(f"docker {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stdout.strip()


def unique_name(prefix: str) -> str:
    """A container, network or volume name no other test run uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def state(container: str) -> dict:
    return dict(json.loads(docker("inspect", "--format", "{{json .State}}", container)))


def wait_healthy(container: str) -> None:
    """Wait until the container's health check passes (or it runs, if it has none); fail with
    its log if it stops or turns unhealthy."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while True:
        current = state(container)
        health = current.get("Health", {}).get("Status")
        if health == "healthy" or (health is None and current["Running"]):
            return  # Healthy, or running with no check to wait for.
        if not current["Running"] or health == "unhealthy":
            raise DockerError(f"{container} is {health or current['Status']}:\n{logs(container)}")
        if time.monotonic() > deadline:
            raise DockerError(f"{container} not healthy in time:\n{logs(container)}")
        time.sleep(0.5)


def logs(container: str) -> str:
    result = subprocess.run(
        ["docker", "logs", container], capture_output=True, text=True, check=False
    )
    return result.stdout + result.stderr


def published_url(container: str, port: int) -> str:
    """The loopback address the container's `port` is published on, as an http:// URL."""
    address = docker("port", container, f"{port}/tcp").splitlines()[0]
    return f"http://{address}"


def remove(*containers: str) -> None:
    """Remove containers if they exist, running or not."""
    if containers:
        subprocess.run(["docker", "rm", "-f", "-v", *containers], capture_output=True, check=False)


# How long the host's addresses must stay the same to count as settled, and the longest wait.
NETWORK_QUIET_SECONDS = 1.0
NETWORK_SETTLE_TIMEOUT_SECONDS = 30.0


def wait_for_quiet_network() -> None:
    """Wait until the host's network addresses have settled after containers started or died.

    Docker adds and removes a virtual interface per container, and their IPv6 addresses pass a
    duplicate-address check for a second or two ("tentative"). Chromium, running on the same
    host, takes each change for a change of network and aborts the requests in flight with
    net::ERR_NETWORK_CHANGED: a page loading then would never finish loading its modules. A
    learner's browser is on another machine, so the tests wait for the host, not the app.
    """
    if shutil.which("ip") is None:
        return
    deadline = time.monotonic() + NETWORK_SETTLE_TIMEOUT_SECONDS
    last = _addresses()
    while time.monotonic() < deadline:
        time.sleep(NETWORK_QUIET_SECONDS)
        now = _addresses()
        if now == last and "tentative" not in now:
            return
        last = now


def _addresses() -> str:
    result = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=False)
    return result.stdout
