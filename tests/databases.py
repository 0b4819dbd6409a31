"""The databases tests run the store on: SQLite always, PostgreSQL when a server is given.

`.ci/run` starts PostgreSQL and sets STEPWISE_TEST_POSTGRES_URL; elsewhere the PostgreSQL
variants are skipped, saying how to run them. Each test gets a schema of its own, dropped
afterwards, so tests never see each other's runs.
"""

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "STEPWISE_TEST_POSTGRES_URL"
# PostgreSQL runs in `make test`, not in the fast tier (a server, and slower round trips).
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]
SKIP_REASON = (
    f"no PostgreSQL to test on: set {POSTGRES_URL_VARIABLE} to a database's URL, e.g. "
    f'{POSTGRES_URL_VARIABLE}="$(bash .ci/postgres)" (which .ci/run does)'
)


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    url = postgres_url_or_skip()
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        # libpq's `options` set the search path of every connection made with this URL.
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A fresh database of `backend`: an SQLite file in `directory`, or a PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'stepwise.db'}"
    else:
        with postgres_schema() as url:
            yield url
