"""The storage budget and the retention policy through the API, on SQLite and PostgreSQL: a
deleted run answers 404 everywhere and its live session never writes it again; over the budget
with nothing to delete, what would grow the store answers 507, and the rest goes on."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.main import create_app
from app.settings import Settings
from app.storage.retention import BUDGET_RETRY_AFTER_SECONDS, StorageKeeper
from app.storage.store import Store
from app.storage.stored import DeletedRuns
from app.storage.tables import runs_table, steps_table
from tests.api.sse import parse_events
from tests.owners import keep_owner_tokens


@pytest.fixture
def api(database_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, max_live_runs=4)
    with TestClient(create_app(settings)) as client:  # Raises on any unhandled error.
        yield keep_owner_tokens(client)


def store_of(client: TestClient) -> Store:
    store: Store = client.app.state.service._store
    return store


def keeper_of(client: TestClient) -> StorageKeeper:
    keeper: StorageKeeper = client.app.state.storage
    return keeper


def leave_alone(client: TestClient, run_id: str, days: float) -> None:
    """As if nobody had stepped or reset the run for `days`."""
    moment = datetime.now(UTC) - timedelta(days=days)
    with store_of(client)._engine.begin() as connection:
        connection.execute(
            update(runs_table).where(runs_table.c.id == run_id).values(last_active_at=moment)
        )


def rows_of(client: TestClient, run_id: str) -> tuple[int, int]:
    """The run's rows and its steps' rows, as the database holds them."""
    with store_of(client)._engine.connect() as connection:
        runs = connection.execute(
            select(func.count()).select_from(runs_table).where(runs_table.c.id == run_id)
        ).scalar_one()
        steps = connection.execute(
            select(func.count()).select_from(steps_table).where(steps_table.c.run_id == run_id)
        ).scalar_one()
    return runs, steps


def assert_budget_full(response) -> None:
    assert response.status_code == 507, response.text
    assert response.headers["retry-after"] == str(BUDGET_RETRY_AFTER_SECONDS)
    detail = response.json()["detail"]
    assert "storage budget is full" in detail and "disk" not in detail
    assert "raise STEPWISE_STORAGE_BUDGET_MB or delete runs" in detail
    assert "nothing of this request was stored" in detail


def test_a_deleted_run_answers_404_everywhere_and_its_live_session_writes_nothing(api, caplog):
    gone = api.post("/api/runs", json={"optimizer": {"name": "adam"}}).json()
    kept = api.post("/api/runs", json={}).json()
    for run in (gone, kept):
        assert api.post(f"/api/runs/{run['id']}/step", json={"n": 5}).status_code == 200
    leave_alone(api, gone["id"], days=31)

    report = keeper_of(api).sweep()

    assert report is not None and report.expired == DeletedRuns(runs=1, steps=5)
    url = f"/api/runs/{gone['id']}"
    # Its session is still live in this process, its owner remembered: neither brings it back.
    for method, path, body in [
        ("GET", url, None),
        ("POST", f"{url}/step", {"n": 1}),
        ("POST", f"{url}/reset", None),
        ("POST", f"{url}/fork", {"step": 2}),
        ("GET", f"{url}/evaluate", None),
        ("GET", f"{url}/stream?n=3", None),
        ("GET", f"{url}/history", None),
        ("GET", f"{url}/history.csv", None),
        ("GET", f"{url}/history.json", None),
        ("GET", f"{url}/script.py", None),
        ("GET", f"{url}/steps/1", None),
        ("GET", f"{url}/graph", None),
        ("GET", f"{url}/graph/value?node=loss", None),
        ("GET", f"{url}/surface?b_min=-1&b_max=1&m_min=-1&m_max=1&size=5", None),
        ("GET", f"/runs/{gone['id']}", None),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    assert rows_of(api, gone["id"]) == (0, 0)
    assert api.post(f"/api/runs/{kept['id']}/step", json={"n": 1}).json()["records"][0]["step"] == 6

    # Deleted while a step was being computed: the step is refused at once as 404, not
    # retried as if another process had stored first, and stores nothing.
    store = store_of(api)
    add_steps = store.add_steps

    def deleted_meanwhile(run_id, steps, generation=None):
        store.delete_runs([run_id], datetime.now(UTC) + timedelta(days=1))
        add_steps(run_id, steps, generation)

    store.add_steps = deleted_meanwhile
    response = api.post(f"/api/runs/{kept['id']}/step", json={"n": 3})
    store.add_steps = add_steps
    assert response.status_code == 404
    assert "no run with id" in response.json()["detail"]
    assert rows_of(api, kept["id"]) == (0, 0)
    assert api.post(f"/api/runs/{kept['id']}/step", json={"n": 1}).status_code == 404
    assert rows_of(api, kept["id"]) == (0, 0)
    assert not [r for r in caplog.records if "another process" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_reset_of_a_run_deleted_meanwhile_answers_404(api):
    run = api.post("/api/runs", json={}).json()
    store = store_of(api)
    reset_run = store.reset_run

    def deleted_meanwhile(run_id):
        store.delete_runs([run_id], datetime.now(UTC) + timedelta(days=1))
        return reset_run(run_id)

    store.reset_run = deleted_meanwhile
    response = api.post(f"/api/runs/{run['id']}/reset")
    store.reset_run = reset_run
    assert response.status_code == 404
    assert rows_of(api, run["id"]) == (0, 0)


def test_over_the_budget_with_nothing_to_delete_growth_answers_507(api):
    run = api.post("/api/runs", json={"optimizer": {"name": "adam"}}).json()
    other = api.post("/api/runs", json={}).json()
    url = f"/api/runs/{run['id']}"
    assert api.post(f"{url}/step", json={"n": 3}).status_code == 200
    assert api.post(f"/api/runs/{other['id']}/step", json={"n": 2}).status_code == 200
    before = api.get(url).json()
    keeper = keeper_of(api)
    budget = keeper.budget_bytes
    keeper.budget_bytes = 1
    report = keeper.sweep()
    # Both runs were active in the last ten minutes: none may go.
    assert report is not None and report.budget_full and report.evicted == DeletedRuns()

    assert_budget_full(api.post("/api/runs", json={}))
    assert_budget_full(api.post(f"{url}/step", json={"n": 5}))
    assert_budget_full(api.post(f"{url}/fork", json={"step": 2}))
    with api.stream("GET", f"{url}/stream", params={"n": 5}) as response:
        events = parse_events(response.iter_lines())
    assert [name for name, _ in events] == ["end"]
    assert events[0][1]["reason"] == "error"
    assert "storage budget is full" in events[0][1]["detail"]
    assert api.get(url).json() == before  # Reads go on, and nothing changed.
    assert api.get("/healthz").status_code == 200  # A full budget is no broken server.
    reset = api.post(f"/api/runs/{other['id']}/reset")  # Shrinks the store: allowed.
    assert reset.status_code == 200 and reset.json()["history"] == []

    keeper.budget_bytes = budget
    report = keeper.sweep()
    assert report is not None and not report.budget_full
    record = api.post(f"{url}/step", json={"n": 1}).json()["records"][0]
    assert record["step"] == 4
    assert record["weights_before"] == before["history"][-1]["weights_after"]
    assert api.post("/api/runs", json={}).status_code == 201
