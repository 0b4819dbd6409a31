"""Fixtures for the API tests."""

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.main import create_app
from tests.owners import keep_owner_tokens

TEACHER_TOKEN = "teacher-secret-0123456789"


@pytest.fixture
def teacher_client(settings):
    """A client of an app with a teacher's page (STEPWISE_TEACHER_TOKEN set)."""
    configured = settings.model_copy(update={"teacher_token": SecretStr(TEACHER_TOKEN)})
    with TestClient(create_app(configured)) as client:
        yield keep_owner_tokens(client)


@pytest.fixture
def app_with(settings, tmp_path):
    """Start an app with some settings changed, each on its own data directory."""
    clients = []

    def start(name="app", **changes):
        changes.setdefault("data_dir", tmp_path / name)
        client = TestClient(create_app(settings.model_copy(update=changes)))
        client.__enter__()
        clients.append(client)
        return keep_owner_tokens(client)

    yield start
    for client in clients:
        client.__exit__(None, None, None)
