"""The schema's migrations (app/storage/migrations/): they make the tables the store declares,
adopt a database made before them with its runs intact, refuse what cannot be fixed in place, and do
nothing on a second start, nor when replicas start together. On SQLite and PostgreSQL (see
tests/databases.py)."""

import sqlite3
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    inspect,
    text,
)

from app.settings import PROJECT_ROOT
from app.storage.database import make_engine
from app.storage.migration import SchemaMigrationError, migration_config, upgrade_to_head
from app.storage.store import Store
from app.storage.stored import RunAttribution, StoredAssignment
from app.storage.tables import metadata
from tests.databases import postgres_schema
from tests.storage.test_store import make_run, make_step

# The runs table as Stepwise made it on SQLite before owner tokens, in its own SQL.
OLD_RUNS_TABLE = """CREATE TABLE runs (
    id VARCHAR(64) PRIMARY KEY, created_at DATETIME NOT NULL, config JSON NOT NULL,
    points_x JSON NOT NULL, points_y JSON NOT NULL, initial_state JSON NOT NULL,
    answer_b FLOAT NOT NULL, answer_m FLOAT NOT NULL, generation INTEGER NOT NULL)"""

# A replica: it imports the store, says it is ready, waits for the word, then starts a store.
REPLICA = """
import pathlib, sys, time
from app.storage.store import Store
ready, go, url = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
ready.touch()
while not go.exists():
    time.sleep(0.001)
Store(url).close()
"""
REPLICAS = 4


def tables_before_migrations(*, before_owner_tokens: bool = False) -> MetaData:
    """The tables as app/store.py declared them when Stepwise had no migrations (its
    `create_all` made them), kept here as they were while app/storage/tables.py moves on; before
    owner tokens, runs lacked the last two columns and there was no health_probe."""
    legacy = MetaData()
    recent = [
        Column("owner_token_hash", String(64), nullable=True),
        Column("last_active_at", DateTime(timezone=True), nullable=True),
    ]
    Table(
        "runs",
        legacy,
        Column("id", String(64), primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("config", JSON, nullable=False),
        Column("points_x", JSON, nullable=False),
        Column("points_y", JSON, nullable=False),
        Column("initial_state", JSON, nullable=False),
        Column("answer_b", Float, nullable=False),
        Column("answer_m", Float, nullable=False),
        Column("generation", Integer, nullable=False, default=0),
        *([] if before_owner_tokens else recent),
    )
    Table(
        "steps",
        legacy,
        Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("step", Integer, primary_key=True),
        *(Column(name, Float) for name in ("b_before", "m_before", "grad_b", "grad_m")),
        *(Column(name, Float) for name in ("b_after", "m_after", "loss_before", "loss_after")),
        Column("diverged", Boolean, nullable=False),
        Column("state", JSON),
    )
    if not before_owner_tokens:
        Table(
            "health_probe",
            legacy,
            Column("id", Integer, primary_key=True),
            Column("probes", Integer, nullable=False),
        )
    return legacy


def store_before_migrations(url: str, *, before_owner_tokens: bool = False) -> None:
    """A database as an older Stepwise left it: its tables, a run with two steps, and no
    alembic_version table."""
    legacy = tables_before_migrations(before_owner_tokens=before_owner_tokens)
    run = make_run("kept")
    engine = make_engine(url)
    try:
        legacy.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                legacy.tables["runs"].insert(),
                {
                    "id": run.id,
                    "created_at": run.created_at,
                    "config": run.config.to_json(),
                    "points_x": run.points_x,
                    "points_y": run.points_y,
                    "initial_state": run.initial_state,
                    "answer_b": run.answer.b,
                    "answer_m": run.answer.m,
                    "generation": 3,
                },
            )
            connection.execute(
                legacy.tables["steps"].insert(),
                [
                    {
                        "run_id": run.id,
                        "step": stored.record.step,
                        "b_before": stored.record.weights_before.b,
                        "m_before": stored.record.weights_before.m,
                        "grad_b": stored.record.gradient.b,
                        "grad_m": stored.record.gradient.m,
                        "b_after": stored.record.weights_after.b,
                        "m_after": stored.record.weights_after.m,
                        "loss_before": stored.record.loss_before,
                        "loss_after": stored.record.loss_after,
                        "diverged": stored.record.diverged,
                        "state": stored.state,
                    }
                    for stored in (make_step(1, 2.0), make_step(2, 1.25))
                ],
            )
    finally:
        engine.dispose()


def revision_of(url: str) -> str | None:
    """The revision alembic_version records (None: the database has no such table)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(migration_config()).get_current_head()


def assert_the_kept_run_is_intact(store: Store) -> None:
    assert store.get_run("kept") == replace(make_run("kept"), generation=3)
    assert store.run_owner("kept").token_hash is None  # Anyone may change it, as before.
    assert store.steps("kept") == [make_step(1, 2.0).record, make_step(2, 1.25).record]
    assert store.state_at("kept", 2) == make_step(2).state


def test_the_migrations_make_the_tables_the_store_declares(database_url):
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    # A change to app/storage/tables.py needs a revision that makes it (app/storage/migrations/).
    assert differences == []
    assert revision_of(database_url) == head()


def test_a_database_made_before_migrations_is_adopted_with_its_runs_intact(database_url):
    store_before_migrations(database_url)
    assert revision_of(database_url) is None

    store = Store(database_url)
    try:
        assert_the_kept_run_is_intact(store)
        store.add_run(replace(make_run("new"), owner_token_hash="cd" * 32))
        assert store.run_owner("new").token_hash == "cd" * 32
    finally:
        store.close()
    assert revision_of(database_url) == head()


def test_a_database_from_before_owner_tokens_gets_its_columns_and_keeps_its_runs(database_url):
    store_before_migrations(database_url, before_owner_tokens=True)

    store = Store(database_url)
    try:
        assert_the_kept_run_is_intact(store)
        store.add_run(replace(make_run("new"), owner_token_hash="cd" * 32))
        assert store.run_owner("new").token_hash == "cd" * 32
        store.ping()  # The probe's table was made too.
    finally:
        store.close()
    engine = make_engine(database_url)
    try:
        columns = [column["name"] for column in inspect(engine).get_columns("runs")]
        assert columns[-5:-3] == ["owner_token_hash", "last_active_at"]
        assert inspect(engine).has_table("health_probe")
    finally:
        engine.dispose()


def test_a_database_from_before_assignments_gets_them_and_keeps_its_runs(database_url):
    # As the first revision left it, with a run and its steps: what every server ran before.
    store_before_migrations(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            command.upgrade(migration_config(connection), "0001")
    finally:
        engine.dispose()
    assert revision_of(database_url) == "0001"

    store = Store(database_url)
    try:
        assert_the_kept_run_is_intact(store)  # No assignment, no name, not the teacher's.
        assert store.get_run("kept").attribution == RunAttribution()
        assignment = StoredAssignment(
            "abc", make_run().created_at, "Title", "", (("lr", "0.01"),), ("learning_rate",)
        )
        store.add_assignment(assignment)
        store.add_run(replace(make_run("new"), attribution=RunAttribution("abc", "Ana", True)))
        assert [run.id for run in store.assignment_runs("abc", 10)] == ["new"]
        assert store.get_run("new").attribution == RunAttribution("abc", "Ana", True)
    finally:
        store.close()
    assert revision_of(database_url) == head()


def test_an_sqlite_file_from_before_owner_tokens_gets_the_columns(tmp_path):
    # Written by the sqlite3 module, in the SQL of the time, not by SQLAlchemy.
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute(OLD_RUNS_TABLE)
        connection.execute(
            "INSERT INTO runs VALUES ('old', '2025-01-01 00:00:00', '{\"seed\": 0}', '[]', '[]', "
            "'{\"weights\": [[0.0], [0.0]]}', 0, 0, 0)"
        )
    store = Store(f"sqlite:///{path}")
    try:
        assert store.run_owner("old").token_hash is None  # Anyone may change it, as before.
    finally:
        store.close()
    with sqlite3.connect(path) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(runs)")]
    assert columns[-5:-3] == ["owner_token_hash", "last_active_at"]


def test_starting_again_changes_nothing(database_url):
    Store(database_url).close()
    engine = make_engine(database_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        upgrade_to_head(engine)
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    changes = ("CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE")
    assert [s for s in statements if s.lstrip().upper().startswith(changes)] == []
    assert revision_of(database_url) == head()


def test_a_column_that_cannot_be_added_in_place_is_refused(database_url):
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE runs (id VARCHAR(64) PRIMARY KEY)"))
        with pytest.raises(SchemaMigrationError, match="created_at"):
            Store(database_url)
        # Refused before the tables changed (on SQLite, whose driver commits DDL at once,
        # Alembic's own table may be left, empty), and no revision recorded.
        assert set(inspect(engine).get_table_names()) <= {"runs", "alembic_version"}
        assert [c["name"] for c in inspect(engine).get_columns("runs")] == ["id"]
    finally:
        engine.dispose()
    assert revision_of(database_url) is None


@pytest.mark.slow
def test_replicas_starting_together_on_postgresql_migrate_once(tmp_path):
    # Processes, to take app.storage.database.schema_lock as replicas do: without it, all but one of
    # them failed, each creating a table the first had made meanwhile.
    with postgres_schema() as url:
        store_before_migrations(url, before_owner_tokens=True)
        go = tmp_path / "go"
        replicas = [
            subprocess.Popen(
                [sys.executable, "-c", REPLICA, str(tmp_path / f"ready-{i}"), str(go), url],
                cwd=PROJECT_ROOT,
            )
            for i in range(REPLICAS)
        ]
        try:
            deadline = time.monotonic() + 60
            while len(list(tmp_path.glob("ready-*"))) < REPLICAS and time.monotonic() < deadline:
                time.sleep(0.01)
            go.touch()
            assert [replica.wait(timeout=60) for replica in replicas] == [0] * REPLICAS
        finally:
            for replica in replicas:
                replica.kill()
        assert revision_of(url) == head()
        store = Store(url)
        try:
            assert_the_kept_run_is_intact(store)
        finally:
            store.close()
