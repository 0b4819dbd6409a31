"""A real Stepwise server in a child process, for tests that restart, kill or browse it."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.settings import PROJECT_ROOT

STARTUP_TIMEOUT_SECONDS = 90  # Importing TensorFlow dominates start-up on a busy machine.
# As `make run` and the image serve (see the Makefile).
SHUTDOWN_SECONDS = 3
KEEP_ALIVE_SECONDS = 75


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`python -m app.serve` on a free loopback port, with its data in `data_dir`."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.env = env or {}  # More STEPWISE_ settings, e.g. STEPWISE_DATABASE_URL.
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, command: list[str] | None = None) -> "ServerProcess":
        """Start `command` (by default app.serve on this port) and wait until it is healthy."""
        command = command or [
            sys.executable,
            "-m",
            "app.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--timeout-graceful-shutdown",
            str(SHUTDOWN_SECONDS),
            "--timeout-keep-alive",
            str(KEEP_ALIVE_SECONDS),
        ]
        env = {**os.environ, "STEPWISE_DATA_DIR": str(self.data_dir), **self.env}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer /healthz in time; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
