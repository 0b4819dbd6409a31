"""Fixtures shared by every test: settings on a temporary data directory, an app, a client."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.databases import BACKENDS, fresh_database
from tests.owners import keep_owner_tokens

TEST_MAX_POINTS = 50
TEST_MAX_STEPS = 500


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        max_points=TEST_MAX_POINTS,
        max_steps_per_request=TEST_MAX_STEPS,
        max_live_runs=4,
        # Sessions warmed in the background would compete with the tests for the CPU; the
        # tests of warm sessions and the browser tests' server keep them on.
        warm_sessions=0,
    )


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh database: SQLite, then PostgreSQL (skipped unless a server is given)."""
    with fresh_database(request.param, tmp_path / "data") as url:
        yield url


@pytest.fixture
def client(settings):
    # `with` runs the lifespan, so the store and the run service exist as in production.
    # Like the page, the client keeps the owner token of each run it creates and sends it.
    with TestClient(create_app(settings)) as test_client:
        yield keep_owner_tokens(test_client)


@pytest.fixture
def viewer(client):
    """Another browser on the same server: it holds no owner token."""
    return TestClient(client.app)
