"""The project's image, built from the real Dockerfile once per test session."""

import pytest

from app.settings import PROJECT_ROOT
from tests.e2e.containers.docker_cli import APP_IMAGE, ENABLED, docker


@pytest.fixture(scope="session")
def app_image() -> str:
    if not ENABLED:
        pytest.skip("container tests are off")
    docker("build", "--quiet", "--tag", APP_IMAGE, str(PROJECT_ROOT))
    return APP_IMAGE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each test's call report on it, for fixtures that act on failure."""
    report = yield
    if report.when == "call":
        item.report_call = report
    return report
