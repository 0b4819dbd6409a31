"""The teacher's page /class: off without a token, closed without it, a list of every run."""

import hashlib
import logging
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from pydantic import SecretStr
from sqlalchemy import update
from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter

from app.api.teacher import RUNS_PER_PAGE
from app.api.teacher_access import TEACHER_COOKIE, TEACHER_COOKIE_SECONDS
from app.main import create_app
from app.storage.tables import runs_table
from tests.api.conftest import TEACHER_TOKEN
from tests.navigation import NAVIGATION
from tests.storage.test_store import make_run

ACCESS_LOGGER = "uvicorn.access"  # Where uvicorn logs each request.


def bearer(token: str = TEACHER_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def listed_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-run="([^"]+)">', html)


def sign_in(client: TestClient, token: str = TEACHER_TOKEN, **headers: str):
    """Post the sign-in form as the browser does, without following the redirect."""
    return client.post("/class", data={"token": token}, headers=headers, follow_redirects=False)


def test_without_a_teacher_token_the_page_does_not_exist(client):
    response = client.get("/class", headers=bearer())
    assert response.status_code == 404
    assert "STEPWISE_TEACHER_TOKEN" in response.text


def test_no_token_is_401_and_a_wrong_one_403(teacher_client):
    missing = teacher_client.get("/class")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "needs the teacher token" in missing.text
    assert '<form id="sign-in-form" method="post" action="/class">' in missing.text
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


def test_the_sign_in_form_trades_the_posted_token_for_a_cookie(teacher_client):
    form = teacher_client.get("/class", params={"lang": "zh", "page": 2})
    assert form.status_code == 401
    assert 'action="/class?lang=zh&amp;page=2"' in form.text  # Where the teacher was going.
    assert '<input type="password" name="token"' in form.text and "<script" not in form.text

    signed_in = sign_in(teacher_client)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/class"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{TEACHER_COOKIE}=") and TEACHER_TOKEN not in cookie
    assert f"Max-Age={TEACHER_COOKIE_SECONDS}" in cookie and "Path=/class" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    page = teacher_client.get("/class")  # With the cookie alone.
    assert page.status_code == 200 and 'id="assignment-form"' in page.text

    teacher_client.cookies.clear()
    wrong = sign_in(teacher_client, "not-the-teacher-token")
    assert wrong.status_code == 403 and TEACHER_COOKIE not in wrong.cookies
    assert "That teacher token is not right" in wrong.text and 'name="token"' in wrong.text
    empty = teacher_client.post("/class", content=b"", follow_redirects=False)
    assert empty.status_code == 401 and TEACHER_COOKIE not in empty.cookies

    back = teacher_client.post(
        "/class?lang=zh", data={"token": TEACHER_TOKEN}, follow_redirects=False
    )
    assert back.headers["location"] == "/class?lang=zh"
    teacher_client.base_url = teacher_client.base_url.copy_with(scheme="https")
    assert "Secure" in sign_in(teacher_client).headers["set-cookie"]  # Over HTTPS only.


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # Another port or subdomain is another origin.
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},  # The browser's word.
        {"Origin": "http://evil.example"},  # A browser too old for Sec-Fetch-Site.
        {"Origin": "http://testserver:8080"},
        {"Origin": "null"},  # A sandboxed frame or a data: page.
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(teacher_client, headers):
    refused = sign_in(teacher_client, **headers)
    assert refused.status_code == 403
    assert TEACHER_COOKIE not in refused.cookies and "set-cookie" not in refused.headers


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}],
)
def test_a_sign_in_from_this_site_or_a_script_is_taken(teacher_client, headers):
    assert sign_in(teacher_client, **headers).status_code == 303


def test_an_old_token_link_leaves_no_token_in_the_access_log(teacher_client, caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    link = f"/class?lang=zh&token={TEACHER_TOKEN}"
    answer = teacher_client.get(link, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/class?lang=zh")
    # The line uvicorn logs for that request, as its protocols log it and it formats it.
    logging.getLogger(ACCESS_LOGGER).info(
        '%s - "%s %s HTTP/%s" %d', "10.0.0.7:51234", "GET", link, "1.1", 303
    )
    access_format = LOGGING_CONFIG["formatters"]["access"]["fmt"]  # `make run`'s format.
    line = AccessFormatter(access_format, use_colors=False).format(caplog.records[-1])
    assert line.endswith('"GET /class?lang=zh&token=[redacted] HTTP/1.1" 303 See Other')
    assert TEACHER_TOKEN not in caplog.text
    encoded = f"/class?%74oken={TEACHER_TOKEN}&x=1"  # The app decodes the name: so does this.
    logging.getLogger(ACCESS_LOGGER).info(
        '%s - "%s %s HTTP/%s" %d', "a", "GET", encoded, "1.1", 303
    )
    assert TEACHER_TOKEN not in caplog.text and "%74oken=[redacted]&x=1" in caplog.text


def flip(base64: str) -> str:
    """Another first character: the last may only carry padding bits."""
    return ("B" if base64[0] == "A" else "A") + base64[1:]


def test_a_tampered_cookie_or_one_of_another_token_is_no_cookie(teacher_client, settings):
    cookie = sign_in(teacher_client).cookies[TEACHER_COOKIE]
    payload, timestamp, signature = cookie.split(".")
    other = settings.model_copy(update={"teacher_token": SecretStr("another-token-0123456789")})
    with TestClient(create_app(other)) as other_client:
        other_cookie = sign_in(other_client, "another-token-0123456789").cookies[TEACHER_COOKIE]
    for forged in [
        f"{payload}.{timestamp}.{flip(signature)}",
        f"admin.{timestamp}.{signature}",
        f"{payload}.{flip(timestamp)}.{signature}",  # Another time, the same signature.
        other_cookie,  # Changing STEPWISE_TEACHER_TOKEN signs everyone out.
        "forged",
    ]:
        teacher_client.cookies.set(TEACHER_COOKIE, forged, path="/class")
        assert teacher_client.get("/class").status_code == 401, forged
    teacher_client.cookies.set(TEACHER_COOKIE, cookie, path="/class")
    assert teacher_client.get("/class").status_code == 200


def test_a_cookie_older_than_twelve_hours_is_refused_by_the_server(teacher_client, monkeypatch):
    def signed_ago(seconds: int) -> str:
        """A cookie from a sign-in `seconds` ago: the signer's clock is set back meanwhile."""
        with monkeypatch.context() as past:
            ago = int(time.time()) - seconds
            past.setattr(TimestampSigner, "get_timestamp", lambda _signer: ago)
            return sign_in(teacher_client).cookies[TEACHER_COOKIE]

    for age, status in [(TEACHER_COOKIE_SECONDS - 60, 200), (TEACHER_COOKIE_SECONDS + 1, 401)]:
        # Set by hand, as a browser that kept the cookie past its Max-Age would send it.
        teacher_client.cookies.set(TEACHER_COOKIE, signed_ago(age), path="/class")
        assert teacher_client.get("/class").status_code == status, age


def test_the_old_fixed_hash_cookie_no_longer_opens_the_page(teacher_client):
    old = hashlib.sha256(f"stepwise-teacher-cookie:{TEACHER_TOKEN}".encode()).hexdigest()
    teacher_client.cookies.set(TEACHER_COOKIE, old, path="/class")
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
        "/new", params={"lr": "0.01", "lock": "lr"}, headers=NAVIGATION, follow_redirects=False
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


def test_the_page_shows_the_stores_usage_and_what_the_last_sweep_deleted(teacher_client):
    keeper = teacher_client.app.state.storage
    runs = [teacher_client.post("/api/runs", json={}).json() for _ in range(3)]
    for run, steps in zip(runs, (20, 7, 12), strict=True):
        response = teacher_client.post(f"/api/runs/{run['id']}/step", json={"n": steps})
        response.raise_for_status()
    store = teacher_client.app.state.service._store
    with store._engine.begin() as connection:  # Nobody has touched the last run for 31 days.
        connection.execute(
            update(runs_table)
            .where(runs_table.c.id == runs[2]["id"])
            .values(last_active_at=datetime.now(UTC) - timedelta(days=31))
        )
    keeper.sweep()
    usage = keeper.usage()

    html = teacher_client.get("/class", headers=bearer()).text

    storage = re.search(r'<section class="card storage".*?</section>', html, re.S).group(0)
    used = re.search(r"([\d,.]+) MB of 2,048 MB used \(([\d.]+) %\)", storage)
    assert used is not None
    assert abs(float(used.group(1).replace(",", "")) - usage.bytes_used / 1024**2) < 0.01
    assert used.group(2) == f"{100 * usage.bytes_used / 2048 / 1024**2:.1f}"
    assert "Runs: 2 · steps: 27" in storage
    assert "Runs nobody has stepped or reset for 30 days are deleted." in storage
    assert "Runs unused for 30 days deleted: 1, with 12 steps in all." in storage
    assert "Runs deleted to stay within the budget" not in storage
    assert 'id="storage-full"' not in storage
    assert listed_ids(html) == [runs[1]["id"], runs[0]["id"]]

    keeper.budget_bytes = 1  # Both runs were used in the last ten minutes: none may go.
    keeper.sweep()
    zh = teacher_client.get("/class", params={"lang": "zh"}, headers=bearer()).text
    assert 'id="storage-full" role="alert"' in zh and "存储预算已满" in zh
    assert "2 个" in zh and "27 步" in zh
