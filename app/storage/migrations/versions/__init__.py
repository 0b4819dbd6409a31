"""The schema's revisions, oldest first; Alembic finds them by their revision and down_revision."""
