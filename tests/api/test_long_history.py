"""A long history is sent thinned where it is viewed, and whole, page by page, where it is read:
no answer grows with the history beyond a bound, and nothing of it is lost."""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.runs.history import RECENT_STEPS, SUMMARY_STEPS, summary_stride
from app.settings import Settings
from tests.owners import keep_owner_tokens

STEPS = 3000  # Past SUMMARY_STEPS: thinned, with a stride of 2 before the last RECENT_STEPS.


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("long") / "data", max_steps_per_request=STEPS
    )
    with TestClient(create_app(settings)) as client:
        client = keep_owner_tokens(client)
        run_id = client.post("/api/runs", json={"learning_rate": 0.001}).json()["id"]
        assert client.post(f"/api/runs/{run_id}/step", json={"n": STEPS}).status_code == 200
        yield client, run_id


def every_step(client, run_id) -> list[dict]:
    records, after = [], 0
    while after is not None:
        page = client.get(f"/api/runs/{run_id}/history", params={"after": after, "limit": 1000})
        assert page.status_code == 200
        records += page.json()["records"]
        after = page.json()["next_after"]
    return records


def test_the_view_of_a_long_run_is_thinned_and_true(long_run):
    client, run_id = long_run
    run = client.get(f"/api/runs/{run_id}").json()
    assert run["steps"] == STEPS
    assert run["history_thinned"] is True
    history = run["history"]
    assert len(history) <= SUMMARY_STEPS
    steps = [record["step"] for record in history]
    stride = summary_stride(STEPS)
    older = [s for s in steps if s <= STEPS - RECENT_STEPS]
    assert older == list(range(1, STEPS - RECENT_STEPS + 1, stride))
    assert steps[len(older) :] == list(range(STEPS - RECENT_STEPS + 1, STEPS + 1))
    whole = {record["step"]: record for record in every_step(client, run_id)}
    assert all(record == whole[record["step"]] for record in history)


def test_a_short_history_is_sent_whole(long_run):
    client, _ = long_run
    run_id = client.post("/api/runs", json={}).json()["id"]
    client.post(f"/api/runs/{run_id}/step", json={"n": 30})
    run = client.get(f"/api/runs/{run_id}").json()
    assert (run["steps"], run["history_thinned"]) == (30, False)
    assert [r["step"] for r in run["history"]] == list(range(1, 31))


def test_pages_hold_every_step_once_in_order(long_run):
    client, run_id = long_run
    assert [r["step"] for r in every_step(client, run_id)] == list(range(1, STEPS + 1))
    last = client.get(f"/api/runs/{run_id}/history", params={"after": STEPS - 5, "limit": 10})
    assert [r["step"] for r in last.json()["records"]] == list(range(STEPS - 4, STEPS + 1))
    assert last.json()["next_after"] is None


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 5001}, {"after": -1}])
def test_a_page_out_of_bounds_is_refused(long_run, params):
    client, run_id = long_run
    answer = client.get(f"/api/runs/{run_id}/history", params=params)
    assert answer.status_code == 422
    assert "detail" in answer.json()


def test_pages_of_an_unknown_run_are_404(long_run):
    client, _ = long_run
    assert client.get("/api/runs/nope/history").status_code == 404


def test_exports_stream_every_step(long_run):
    client, run_id = long_run
    whole = every_step(client, run_id)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/runs/{run_id}/history.csv").text)))
    assert [int(row["step"]) for row in rows] == list(range(1, STEPS + 1))
    assert float(rows[-1]["loss_after"]) == whole[-1]["loss_after"]
    exported = json.loads(client.get(f"/api/runs/{run_id}/history.json").text)
    assert exported["history"] == whole
    assert (exported["steps"], exported["history_thinned"]) == (STEPS, False)
    viewed = client.get(f"/api/runs/{run_id}").json()
    assert {k: v for k, v in exported.items() if k not in ("history", "history_thinned")} == {
        k: v for k, v in viewed.items() if k not in ("history", "history_thinned")
    }


def test_the_script_counts_the_steps_of_a_long_run(long_run):
    client, run_id = long_run
    script = client.get(f"/api/runs/{run_id}/script.py").text
    assert f"prints steps 1 to {STEPS}:" in script


def test_a_fork_of_a_long_run_answers_a_thinned_view(long_run):
    client, run_id = long_run
    fork = client.post(f"/api/runs/{run_id}/fork", json={"step": STEPS - 100})
    assert fork.status_code == 201
    body = fork.json()
    assert (body["steps"], body["history_thinned"]) == (STEPS - 100, True)
    assert len(body["history"]) <= SUMMARY_STEPS
    assert every_step(client, body["id"]) == every_step(client, run_id)[: STEPS - 100]
