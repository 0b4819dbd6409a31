"""Assignments, and who started a run: the table `assignments`, and the columns
runs.assignment_id, runs.display_name and runs.by_teacher, with an index for an assignment's runs.

Written out, not taken from app.storage.tables' metadata, which later revisions will change
again. The new columns are nullable or have a default, so `ALTER TABLE … ADD COLUMN` gives every
run already stored its value in place, on SQLite and PostgreSQL alike: no assignment, no name,
not the teacher's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("instructions", sa.String(length=500), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("locks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("runs", sa.Column("assignment_id", sa.String(length=16), nullable=True))
    op.add_column("runs", sa.Column("display_name", sa.String(length=40), nullable=True))
    # `false()`, not Alembic's `text("0")`: PostgreSQL takes no integer for a boolean default.
    op.add_column(
        "runs", sa.Column("by_teacher", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index(
        "ix_runs_assignment_id_created_at", "runs", ["assignment_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_runs_assignment_id_created_at", table_name="runs")
    # In batch mode, which SQLite needs to drop columns (it copies the table).
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("by_teacher")
        batch.drop_column("display_name")
        batch.drop_column("assignment_id")
    op.drop_table("assignments")
