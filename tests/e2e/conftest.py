"""A live server and Debian's headless Chromium, driven by Playwright."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from app.settings import PROJECT_ROOT
from tests.server import ServerProcess

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# axe-core, the accessibility checker (tests/e2e/package.json, installed by `make test`).
AXE = PROJECT_ROOT / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
TEACHER_TOKEN = "e2e-teacher-token-0123456789"  # Opens /class on the live server.


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("live")
    env = {"STEPWISE_TEACHER_TOKEN": TEACHER_TOKEN}
    server = ServerProcess(base / "data", base / "server.log", env=env).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's chromium package (see README).")
    with sync_playwright() as playwright:
        # launch() gives Chromium a fresh, temporary --user-data-dir of its own, and each test
        # opens a new context in it, so no test sees another's cookies or storage.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)

    return take


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci --prefix tests/e2e).")
    return AXE.read_text()
