"""Bring the database's schema to the code's when the store starts: Alembic's upgrade to head.

The revisions are in app/storage/migrations/versions/; the first adopts a database made by a
Stepwise from before migrations. Alembic is configured here in code, so no alembic.ini ships
or is read.
For a new revision, or to see where a database stands, Alembic's command line works through
`python -m app.storage.migration` (e.g. `revision --autogenerate -m "…"`, `current`), on the
database the server's settings name.
"""

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import CommandLine, Config
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIRECTORY = Path(__file__).with_name("migrations")
# Alembic's `context` and `op` are module-level proxies to the migration under way, so two
# stores starting in one process's threads would mix them up: they take turns.
_ONE_MIGRATION_AT_A_TIME = threading.Lock()
# From the command line, a new revision's file is left as the linters want it (ruff is a dev
# dependency, as writing revisions is development).
_LINT_NEW_REVISIONS = {
    "hooks": "ruff_fix ruff_format",
    "ruff_fix.type": "module",
    "ruff_fix.module": "ruff",
    "ruff_fix.options": "check --fix --quiet REVISION_SCRIPT_FILENAME",
    "ruff_format.type": "module",
    "ruff_format.module": "ruff",
    "ruff_format.options": "format --quiet REVISION_SCRIPT_FILENAME",
}


class SchemaMigrationError(RuntimeError):
    """The database differs from the code in a way no revision can fix in place."""


def migration_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration: where the revisions are, and the connection to migrate (if not
    given, app/storage/migrations/env.py connects to the database the settings name)."""
    config = Config()
    # The option is interpolated as in an .ini file, where a `%` must be written `%%`.
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply the revisions the database has not had yet; none if it is at the head already.

    One transaction: on PostgreSQL, whose DDL is transactional, a failed upgrade leaves nothing
    half done. Replicas starting together must hold `app.storage.database.schema_lock` around this.
    """
    with _ONE_MIGRATION_AT_A_TIME, engine.begin() as connection:
        command.upgrade(migration_config(connection), "head")


def main(argv: Sequence[str] | None = None) -> None:
    """Alembic's command line, configured as at start-up."""
    cli = CommandLine(prog="python -m app.storage.migration")
    options = cli.parser.parse_args(argv)
    if not hasattr(options, "cmd"):
        cli.parser.error("too few arguments")
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # "Running upgrade …"
    config = migration_config()
    config.cmd_opts = options
    for key, value in _LINT_NEW_REVISIONS.items():
        config.set_section_option("post_write_hooks", key, value)
    cli.run_cmd(config, options)


if __name__ == "__main__":
    main(sys.argv[1:])
