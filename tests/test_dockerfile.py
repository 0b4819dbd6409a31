"""The image's own commands, run outside Docker (no engine here): CMD serves, HEALTHCHECK passes."""

import json
import os
import re
import subprocess
import sys

import pytest

from app.api.run_stream import STREAM_SHUTDOWN_GRACE_SECONDS
from app.api.vendor_assets import VENDOR_LIBRARIES
from app.settings import PROJECT_ROOT
from tests.server import KEEP_ALIVE_SECONDS, SHUTDOWN_SECONDS, ServerProcess, free_port

DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
IMAGE_PORT = "8000"


def exec_form(pattern: str) -> list[str]:
    """The JSON argument list that `pattern` captures in the Dockerfile."""
    match = re.search(pattern, DOCKERFILE, flags=re.M)
    assert match, pattern
    return list(json.loads(match.group(1)))


def module_command(command: list[str]) -> list[str]:
    """What `python -m` runs in `command`: tests run it with their own interpreter."""
    assert command[:2] == ["python", "-m"], command
    return command[2:]


ENTRY_COMMAND = module_command(exec_form(r"^CMD (\[.*\])$"))
HEALTHCHECK_COMMAND = exec_form(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$")


def on_port(command: list[str], port: int) -> list[str]:
    # The image listens on 8000; a test must not assume that port is free on this machine.
    return [part.replace(IMAGE_PORT, str(port)) for part in command]


def test_copied_directories_exist():
    for source in re.findall(r"^COPY (?!--from=)(\S+) ", DOCKERFILE, flags=re.M):
        assert (PROJECT_ROOT / source).exists(), source


def test_the_image_holds_the_files_the_app_serves_from_npm_and_no_node():
    instructions = DOCKERFILE.replace("\\\n", " ")
    build, image = instructions.split("\nFROM python:3.11-slim-bookworm\n")
    # A build stage on the same base installs what vendor/package-lock.json pins.
    assert build.count("FROM python:3.11-slim-bookworm AS vendor") == 1
    assert "COPY vendor/package.json vendor/package-lock.json ./" in build
    assert "RUN npm ci " in build
    copies = re.findall(r"^COPY --from=vendor (.+)$", image, flags=re.M)
    assert len(copies) == len(VENDOR_LIBRARIES)
    for library, copy in zip(VENDOR_LIBRARIES, copies, strict=True):
        *sources, target = copy.split()
        served = library.directory.relative_to(PROJECT_ROOT)
        in_stage = served.relative_to("vendor")
        assert sources == [f"/vendor/{in_stage}/{name}" for name in library.files]
        assert target == f"./{served}/"
    assert re.search(r"^WORKDIR /app$", image, flags=re.M)
    assert "npm" not in image and "node" not in image.replace("node_modules", "")


@pytest.fixture
def image_server(tmp_path):
    port = free_port()
    command = on_port(ENTRY_COMMAND, port)
    assert command[0] == "app.serve"  # The server make run and the tests' processes run.
    server = ServerProcess(tmp_path / "data", tmp_path / "image.log", port=port)
    server.start(command=[sys.executable, "-m", *command])
    yield server
    server.stop()


@pytest.mark.slow  # Starts a server process: not in the fast tier.
def test_entry_command_serves_and_healthcheck_passes(image_server):
    healthcheck = on_port(HEALTHCHECK_COMMAND, image_server.port)
    assert healthcheck[0] == "python"
    result = subprocess.run(
        [sys.executable, *healthcheck[1:]], env=os.environ, timeout=30, check=False
    )
    assert result.returncode == 0
    assert (image_server.data_dir / "stepwise.db").exists()


def test_make_run_and_the_image_give_streams_the_same_time_to_end():
    image_seconds = float(ENTRY_COMMAND[ENTRY_COMMAND.index("--timeout-graceful-shutdown") + 1])
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "--timeout-graceful-shutdown $(SHUTDOWN_SECONDS)" in makefile
    make_seconds = re.search(r"^SHUTDOWN_SECONDS := (\S+)$", makefile, flags=re.M)
    assert make_seconds and float(make_seconds.group(1)) == image_seconds == SHUTDOWN_SECONDS
    # Streams must have sent their final event before uvicorn cancels what is left.
    assert image_seconds > STREAM_SHUTDOWN_GRACE_SECONDS


def test_make_run_the_image_and_the_tests_keep_idle_connections_alike():
    image_seconds = int(ENTRY_COMMAND[ENTRY_COMMAND.index("--timeout-keep-alive") + 1])
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "--timeout-keep-alive $(KEEP_ALIVE_SECONDS)" in makefile
    make_seconds = re.search(r"^KEEP_ALIVE_SECONDS := (\S+)$", makefile, flags=re.M)
    assert make_seconds and int(make_seconds.group(1)) == image_seconds == KEEP_ALIVE_SECONDS
    # Longer than nginx keeps its idle upstream connections (60 s unless deploy/ says more).
    assert image_seconds > 60


def test_make_run_serves_as_the_image_and_the_tests_do():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "$(BIN)/python -m app.serve --host $(HOST) --port $(PORT)" in makefile
