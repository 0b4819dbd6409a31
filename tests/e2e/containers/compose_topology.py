"""compose.yaml's services started with `docker run`, as `docker compose up` would start them.

Debian's compose client (1.29) cannot read the compose spec's top-level `name`, and no newer
client is packaged here, so the tests read compose.yaml themselves and start what it says: its
images (the app's built from the Dockerfile), environment, volumes, published ports, restart
policies and health checks (with their timeouts, start periods and retries), `deploy.replicas`
containers of a service sharing its name on one network (so nginx's `server app:8000` resolves
to every replica, as under Compose), and each service only once those it `depends_on` are
healthy. What differs: ports are published on loopback at a free port, health is checked every
second, and names are unique per test.
"""

import re
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from tests.e2e.containers.docker_cli import (
    HEALTH_INTERVAL,
    HEALTH_RETRY_FACTOR,
    docker,
    published_url,
    remove,
    unique_name,
    wait_for_quiet_network,
    wait_healthy,
)

# `${NAME:-default}` or `${NAME}` in a value; the tests take the defaults, never this machine's
# environment, so what runs is what compose.yaml says by itself.
_VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-([^}]*))?\}")


def interpolate(value: Any) -> str:
    return _VARIABLE.sub(lambda match: match.group(1) or "", str(value))


class Topology:
    """The services of a compose file, running; `down()` removes all of it."""

    def __init__(self, compose: dict[str, Any], project_dir: Path) -> None:
        self.compose = compose
        self.project_dir = project_dir
        self.prefix = unique_name("stepwise-ci")
        self.network = f"{self.prefix}-network"
        self.volumes = [f"{self.prefix}-{name}" for name in compose.get("volumes", {})]
        self.containers: dict[str, list[str]] = {}

    def up(self) -> "Topology":
        docker("network", "create", self.network)
        services = self.compose["services"]
        order = TopologicalSorter(
            {name: set(s.get("depends_on", {})) for name, s in services.items()}
        )
        for name in order.static_order():
            self._start(name, services[name])
        wait_for_quiet_network()  # Before a browser on this host asks anything.
        return self

    def down(self) -> None:
        remove(*(c for replicas in self.containers.values() for c in replicas))
        for volume in self.volumes:
            docker("volume", "rm", "--force", volume)
        docker("network", "rm", self.network)

    def url(self, service: str, port: int) -> str:
        return published_url(self.containers[service][0], port)

    def _start(self, name: str, service: dict[str, Any]) -> None:
        arguments = ["--network", self.network, "--network-alias", name]
        for key, value in service.get("environment", {}).items():
            arguments += ["--env", f"{key}={interpolate(value)}"]
        for volume in service.get("volumes", []):
            arguments += ["--volume", self._volume(interpolate(volume))]
        for port in service.get("ports", []):
            arguments += ["--publish", f"127.0.0.1::{interpolate(port).rsplit(':', 1)[-1]}"]
        if "restart" in service:
            arguments += ["--restart", service["restart"]]
        arguments += ["--health-interval", HEALTH_INTERVAL]
        healthcheck = service.get("healthcheck", {})
        if "test" in healthcheck:
            check = healthcheck["test"]
            assert check[0] == "CMD-SHELL", check  # The form compose.yaml uses.
            arguments += ["--health-cmd", check[1]]
        # Docker's defaults (3 retries, no start period) would call a database still
        # initialising unhealthy; checked every second, the retries stretch to cover the
        # time compose.yaml's own interval would have given.
        if "retries" in healthcheck:
            arguments += ["--health-retries", str(healthcheck["retries"] * HEALTH_RETRY_FACTOR)]
        for option in ("timeout", "start_period"):
            if option in healthcheck:
                arguments += [f"--health-{option.replace('_', '-')}", healthcheck[option]]
        replicas = service.get("deploy", {}).get("replicas", 1)
        self.containers[name] = [f"{self.prefix}-{name}-{i + 1}" for i in range(replicas)]
        for container in self.containers[name]:
            docker("run", "--detach", "--name", container, *arguments, service["image"])
        for container in self.containers[name]:
            wait_healthy(container)

    def _volume(self, spec: str) -> str:
        source, target = spec.split(":", 1)
        if source.startswith("."):  # A bind mount, relative to compose.yaml.
            return f"{(self.project_dir / source).resolve()}:{target}"
        return f"{self.prefix}-{source}:{target}"
