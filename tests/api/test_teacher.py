"""The teacher's page /class: off without a token, closed without it, a list of every run."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.api.teacher import RUNS_PER_PAGE
from app.api.teacher_access import TEACHER_COOKIE
from app.main import create_app
from tests.owners import keep_owner_tokens
from tests.test_store import make_run

TEACHER_TOKEN = "teacher-secret-0123456789"


@pytest.fixture
def teacher_client(settings):
    configured = settings.model_copy(update={"teacher_token": SecretStr(TEACHER_TOKEN)})
    with TestClient(create_app(configured)) as client:
        yield keep_owner_tokens(client)


def bearer(token: str = TEACHER_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-run="([^"]+)">', html)


def test_without_a_teacher_token_the_page_does_not_exist(client):
    response = client.get("/class", headers=bearer())
    assert response.status_code == 404
    assert "STEPWISE_TEACHER_TOKEN" in response.text


def test_no_token_is_401_and_a_wrong_one_403(teacher_client):
    missing = teacher_client.get("/class")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "needs the teacher token" in missing.text
    for attempt in [
        teacher_client.get("/class", headers=bearer("wrong")),
        teacher_client.get("/class", params={"token": "wrong"}, follow_redirects=False),
    ]:
        assert attempt.status_code == 403
        assert TEACHER_COOKIE not in attempt.cookies
    assert teacher_client.get("/class", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_bearer_token_opens_the_page(teacher_client):
    response = teacher_client.get("/class", headers=bearer())
    assert response.status_code == 200
    assert "Assignment link" in response.text
    assert TEACHER_TOKEN not in response.text


def test_the_token_in_the_address_becomes_a_strict_http_only_cookie(teacher_client):
    response = teacher_client.get(
        "/class", params={"token": TEACHER_TOKEN, "lang": "zh"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/class?lang=zh"  # The token leaves the address.
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{TEACHER_COOKIE}=")
    assert TEACHER_TOKEN not in cookie  # The cookie proves the token, it does not hold it.
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/class" in cookie
    page = teacher_client.get(response.headers["location"])  # With the cookie.
    assert page.status_code == 200
    assert "作业链接" in page.text
    teacher_client.cookies.set(TEACHER_COOKIE, "forged", path="/class")
    assert teacher_client.get("/class").status_code == 401


def test_the_list_shows_each_run_newest_first_with_its_state(teacher_client):
    first = teacher_client.post("/api/runs", json={"learning_rate": 1.0, "batch_size": 2}).json()
    teacher_client.post(f"/api/runs/{first['id']}/step", json={"n": 200}).raise_for_status()
    second = teacher_client.post(
        "/api/runs", json={"optimizer": {"name": "adam"}, "preset": "outlier"}
    ).json()
    teacher_client.post(f"/api/runs/{second['id']}/step", json={"n": 3}).raise_for_status()
    fork = teacher_client.post(f"/api/runs/{second['id']}/fork", json={"step": 2}).json()
    assigned = teacher_client.get(
        "/new", params={"lr": "0.01", "lock": "lr"}, follow_redirects=False
    )
    assigned_id = assigned.headers["location"].split("#")[0].rsplit("/", 1)[1]
    second_loss = teacher_client.get(f"/api/runs/{second['id']}").json()["history"][-1]

    html = teacher_client.get("/class", headers=bearer()).text

    assert listed_ids(html) == [assigned_id, fork["id"], second["id"], first["id"]]
    rows = dict(
        zip(listed_ids(html), re.findall(r"<tr data-run=.*?</tr>", html, re.S), strict=True)
    )
    assert 'lock.svg" alt="" width="14" height="14"> learning_rate' in rows[assigned_id]
    assert f'href="/runs/{second["id"]}?step=2" title="{second["id"]}"' in rows[fork["id"]]
    second_row = rows[second["id"]]
    assert "AdamOptimizer" in second_row and "A line with an outlier" in second_row
    assert f"<td>{second_loss['loss_after']:.6g}</td>" in second_row
    assert f'<a href="/runs/{second["id"]}" title="{second["id"]}">' in second_row
    first_row = rows[first["id"]]
    assert "overflow" in first_row and "<td>yes</td>" in first_row and "<td>2</td>" in first_row


def test_the_list_is_paginated(teacher_client, monkeypatch):
    service = teacher_client.app.state.service
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(RUNS_PER_PAGE + 3):
        run = replace(make_run(f"run-{index:03d}"), created_at=start + timedelta(seconds=index))
        service._store.add_run(run)
    first = teacher_client.get("/class", headers=bearer()).text
    assert len(listed_ids(first)) == RUNS_PER_PAGE
    assert listed_ids(first)[0] == f"run-{RUNS_PER_PAGE + 2:03d}"
    assert 'href="/class?page=2"' in first and "page=0" not in first
    second = teacher_client.get("/class", params={"page": 2}, headers=bearer()).text
    assert listed_ids(second) == ["run-002", "run-001", "run-000"]
    assert 'href="/class?page=1"' in second and "page=3" not in second
    assert teacher_client.get("/class", params={"page": 0}, headers=bearer()).status_code == 422
