"""The schema as Stepwise made it before migrations: the tables runs, steps and health_probe.

Written out, not taken from app.storage.tables' metadata, which later revisions will change. A
database that an older Stepwise made (it has no alembic_version table) is adopted rather than
made anew:
the tables it lacks are created and the nullable columns added since (runs.owner_token_hash,
runs.last_active_at) are added, its rows untouched. Any other difference, such as a missing
required column, is refused before anything changes: it cannot be fixed in place.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.storage.migration import SchemaMigrationError

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger(__name__)


def _runs() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("points_x", sa.JSON, nullable=False),
        sa.Column("points_y", sa.JSON, nullable=False),
        sa.Column("initial_state", sa.JSON, nullable=False),
        sa.Column("answer_b", sa.Float, nullable=False),
        sa.Column("answer_m", sa.Float, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("owner_token_hash", sa.String(64), nullable=True),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _steps() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "run_id",
            sa.String(64),
            sa.ForeignKey("runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("step", sa.Integer, primary_key=True),
        sa.Column("b_before", sa.Float),
        sa.Column("m_before", sa.Float),
        sa.Column("grad_b", sa.Float),
        sa.Column("grad_m", sa.Float),
        sa.Column("b_after", sa.Float),
        sa.Column("m_after", sa.Float),
        sa.Column("loss_before", sa.Float),
        sa.Column("loss_after", sa.Float),
        sa.Column("diverged", sa.Boolean, nullable=False),
        sa.Column("state", sa.JSON),
    ]


def _health_probe() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("probes", sa.Integer, nullable=False),
    ]


# In the order they are created: steps refer to runs. Functions, because a Column belongs to
# the one table it is first given to.
TABLES: dict[str, Callable[[], list[sa.Column[Any]]]] = {
    "runs": _runs,
    "steps": _steps,
    "health_probe": _health_probe,
}


def _addable(column: sa.Column[Any]) -> bool:
    # `ALTER TABLE … ADD COLUMN` fills the existing rows with NULL, on SQLite and PostgreSQL;
    # SQLite cannot add a key or a foreign key to an existing table that way.
    return bool(column.nullable) and not column.primary_key and not column.foreign_keys


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    missing_tables: list[str] = []
    missing_columns: list[tuple[str, sa.Column[Any]]] = []
    # Everything is checked before anything changes: SQLite's DDL is not in the transaction.
    for table, columns in TABLES.items():
        if not inspector.has_table(table):
            missing_tables.append(table)
            continue
        present = {column["name"] for column in inspector.get_columns(table)}
        for column in columns():
            if column.name in present:
                continue
            if not _addable(column):
                raise SchemaMigrationError(
                    f"the database's table {table!r} lacks column {column.name!r}, which "
                    "cannot be added in place; start with a new database"
                )
            missing_columns.append((table, column))
    for table in missing_tables:
        op.create_table(table, *TABLES[table]())
    for table, column in missing_columns:
        op.add_column(table, column)
        logger.info("added column %s.%s to the existing database", table, column.name)


def downgrade() -> None:
    # Back to no tables at all (a development convenience): it deletes every run.
    for table in reversed(TABLES):
        op.drop_table(table)
