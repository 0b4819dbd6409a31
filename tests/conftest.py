"""Fixtures shared by every test: settings on a temporary data directory, an app, a client."""

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

TEST_MAX_POINTS = 50
TEST_MAX_STEPS = 500


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        max_points=TEST_MAX_POINTS,
        max_steps_per_request=TEST_MAX_STEPS,
        max_live_runs=4,
    )


@pytest.fixture
def client(settings):
    # `with` runs the lifespan, so the store and the run service exist as in production.
    with TestClient(create_app(settings)) as test_client:
        yield test_client
