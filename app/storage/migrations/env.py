"""Alembic's environment: run the revisions on the connection app/storage/migration.py hands it.

Alembic executes this file for every command. At start-up the store's own connection comes in
`config.attributes`, already in a transaction; from the command line there is none, and this
connects to the database the server's settings name, under the same lock replicas take.
"""

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from app.storage.migration import SchemaMigrationError


def run_migrations(connection: Connection, target_metadata: MetaData | None = None) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_from_the_command_line() -> None:
    # Imported here: the start-up path needs neither, and the store imports this package's
    # caller. The metadata is what `revision --autogenerate` compares the database with.
    from app.settings import get_settings
    from app.storage.database import make_engine, schema_lock
    from app.storage.tables import metadata

    engine = make_engine(get_settings().resolved_database_url())
    try:
        with schema_lock(engine), engine.begin() as connection:
            run_migrations(connection, metadata)
    finally:
        engine.dispose()


if context.is_offline_mode():
    # The first revision inspects the database to adopt it, which SQL written ahead cannot do.
    raise SchemaMigrationError("offline (--sql) migrations are not supported")
given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    run_from_the_command_line()
