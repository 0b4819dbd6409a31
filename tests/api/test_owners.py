"""Owners and viewers: the run's creator holds a token; anyone with the link may look and fork."""

import hashlib
import sqlite3

import pytest

from app.runs.owners import OWNER_HEADER
from tests.api.sse import parse_events
from tests.runs_api import create_run as create

CHANGES = [
    ("POST", "step", {"json": {"n": 1}}),
    ("GET", "stream", {"params": {"n": 3}}),
    ("POST", "reset", {}),
]


def test_the_token_is_in_the_creating_answer_only_and_stored_hashed(client, settings):
    run = create(client)
    token = run["owner_token"]
    assert len(token) == 43  # secrets.token_urlsafe(32)
    assert run["owned"] is True
    assert len(run["id"]) == 22  # 128 random bits.
    fetched = client.get(f"/api/runs/{run['id']}")
    assert "owner_token" not in fetched.json()
    assert token not in fetched.text
    assert token not in client.get(f"/api/runs/{run['id']}/history.json").text
    assert token not in client.get(f"/runs/{run['id']}").text
    with sqlite3.connect(settings.data_dir / "stepwise.db") as connection:
        (stored,) = connection.execute(
            "SELECT owner_token_hash FROM runs WHERE id = ?", (run["id"],)
        ).fetchone()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    for path in settings.data_dir.glob("stepwise.db*"):  # The database and its WAL.
        assert token.encode() not in path.read_bytes()


@pytest.mark.parametrize(("method", "action", "options"), CHANGES)
@pytest.mark.parametrize("token", [None, "wrong", ""])
def test_changes_without_the_right_token_are_refused(
    client, viewer, method, action, options, token
):
    run = create(client)
    headers = {} if token is None else {OWNER_HEADER: token}
    response = viewer.request(method, f"/api/runs/{run['id']}/{action}", headers=headers, **options)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "view-only link" in detail
    assert "replay" in detail and "fork" in detail
    assert client.get(f"/api/runs/{run['id']}").json()["history"] == []


def test_another_runs_token_does_not_open_this_run(client, viewer):
    mine, theirs = create(client), create(client)
    headers = {OWNER_HEADER: theirs["owner_token"]}
    response = viewer.post(f"/api/runs/{mine['id']}/step", headers=headers)
    assert response.status_code == 403


def test_the_owner_steps_streams_and_resets_with_the_header(client, viewer):
    run = create(client)
    headers = {OWNER_HEADER: run["owner_token"]}
    url = f"/api/runs/{run['id']}"
    assert viewer.post(f"{url}/step", json={"n": 2}, headers=headers).status_code == 200
    with viewer.stream("GET", f"{url}/stream", params={"n": 3}, headers=headers) as response:
        assert response.status_code == 200
        events = parse_events(response.iter_lines())
    assert [kind for kind, _ in events] == ["step"] * 3 + ["end"]
    assert viewer.post(f"{url}/reset", headers=headers).json()["history"] == []


def test_reads_stay_open_to_anyone_with_the_link(client, viewer):
    run = create(client)
    client.post(f"/api/runs/{run['id']}/step", json={"n": 3}).raise_for_status()
    url = f"/api/runs/{run['id']}"
    for path in [
        url,
        f"{url}/steps/2",
        f"{url}/evaluate",
        f"{url}/graph",
        f"{url}/graph/value?node=loss",
        f"{url}/surface?b_min=-1&b_max=1&m_min=-1&m_max=1&size=3",
        f"{url}/history.csv",
        f"{url}/history.json",
        f"{url}/script.py",
        f"/runs/{run['id']}",
        f"/compare?runs={run['id']}",
    ]:
        assert viewer.get(path).status_code == 200, path


def test_a_viewer_forks_and_owns_the_fork(client, viewer):
    run = create(client)
    client.post(f"/api/runs/{run['id']}/step", json={"n": 4}).raise_for_status()
    response = viewer.post(f"/api/runs/{run['id']}/fork", json={"step": 2})
    assert response.status_code == 201
    fork = response.json()
    assert fork["owner_token"] != run["owner_token"]
    assert [s["step"] for s in fork["history"]] == [1, 2]
    headers = {OWNER_HEADER: fork["owner_token"]}
    stepped = viewer.post(f"/api/runs/{fork['id']}/step", headers=headers)
    assert stepped.json()["records"][0]["step"] == 3
    # The fork's token is the fork's only: the original stays closed to the viewer.
    assert viewer.post(f"/api/runs/{run['id']}/step", headers=headers).status_code == 403
    assert len(client.get(f"/api/runs/{run['id']}").json()["history"]) == 4


def test_an_unknown_run_is_404_before_any_token_question(viewer):
    assert viewer.post("/api/runs/no-such-run/step").status_code == 404


def test_a_run_stored_before_owner_tokens_stays_open_to_anyone(client, viewer, settings):
    run = create(client)
    with sqlite3.connect(settings.data_dir / "stepwise.db") as connection:
        connection.execute("UPDATE runs SET owner_token_hash = NULL WHERE id = ?", (run["id"],))
    assert viewer.get(f"/api/runs/{run['id']}").json()["owned"] is False
    response = viewer.post(f"/api/runs/{run['id']}/step", json={"n": 2})
    assert response.status_code == 200
    assert viewer.post(f"/api/runs/{run['id']}/reset").status_code == 200
