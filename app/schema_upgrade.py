"""Bring an existing database up to the tables the code declares, for added columns only.

`MetaData.create_all` creates missing tables but never changes an existing one, so a database
made by an older Stepwise would lack the columns added since. Every column added so far is
nullable, which an `ALTER TABLE … ADD COLUMN` can add to a table with rows in it on SQLite and
PostgreSQL alike; anything more (a changed type, a new constraint) needs a real migration tool,
and this refuses it with a clear error instead of guessing.
"""

import logging

from sqlalchemy import Column, MetaData, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn

logger = logging.getLogger(__name__)


class SchemaUpgradeError(RuntimeError):
    """The database differs from the code in a way an added nullable column cannot fix."""


def _missing_columns(engine: Engine, metadata: MetaData) -> list[Column[object]]:
    inspector = inspect(engine)
    missing: list[Column[object]] = []
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue  # create_all makes it whole.
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing.extend(column for column in table.columns if column.name not in present)
    return missing


def add_missing_columns(engine: Engine, metadata: MetaData) -> list[str]:
    """Add the nullable columns that existing tables lack; return them as `table.column`."""
    missing = _missing_columns(engine, metadata)
    for column in missing:
        if not column.nullable or column.server_default is not None or column.primary_key:
            raise SchemaUpgradeError(
                f"the database's table {column.table.name!r} lacks column {column.name!r}, "
                "which cannot be added in place; start with a new database"
            )
    added: list[str] = []
    for column in missing:
        definition = CreateColumn(column).compile(dialect=engine.dialect)
        statement = f"ALTER TABLE {column.table.name} ADD COLUMN {definition}"
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql(statement)
        except DBAPIError:
            # Another process starting on the same database may have added it meanwhile.
            # (Columns are compared by name: `==` on a Column builds an SQL expression.)
            still_missing = {(c.table.name, c.name) for c in _missing_columns(engine, metadata)}
            if (column.table.name, column.name) in still_missing:
                raise
            continue
        logger.info("added column %s.%s to the existing database", column.table.name, column.name)
        added.append(f"{column.table.name}.{column.name}")
    return added
