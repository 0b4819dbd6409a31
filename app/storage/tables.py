"""The store's tables, as SQLAlchemy declares them; app/storage/migrations makes them so."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    false,
)

from app.domain.class_text import (
    ASSIGNMENT_ID_LENGTH,
    ASSIGNMENT_INSTRUCTIONS_LENGTH,
    ASSIGNMENT_TITLE_LENGTH,
    DISPLAY_NAME_LENGTH,
)

metadata = MetaData()


runs_table = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("config", JSON, nullable=False),
    Column("points_x", JSON, nullable=False),
    Column("points_y", JSON, nullable=False),
    Column("initial_state", JSON, nullable=False),
    Column("answer_b", Float, nullable=False),
    Column("answer_m", Float, nullable=False),
    # Counts resets, so a stream started before a reset knows to stop.
    Column("generation", Integer, nullable=False, default=0),
    # SHA-256 (hex) of the owner token, never the token; NULL for runs stored before tokens.
    Column("owner_token_hash", String(64), nullable=True),
    # When the run was created, or last stepped or reset: what the retention policy and the
    # storage budget go by (app/storage/retention.py). Written with a step at most once a minute per
    # run and process (see ActivityWrites); NULL for runs stored before it was kept, which
    # count from created_at.
    Column("last_active_at", DateTime(timezone=True), nullable=True),
    # The teacher's assignment the run was started from (or made from, by a fork or `based_on`);
    # NULL for any other run. No foreign key: SQLite cannot add one to an existing table, and
    # assignments are never deleted.
    Column("assignment_id", String(ASSIGNMENT_ID_LENGTH), nullable=True),
    # What the student chose to be called on the teacher's page; never required, never a login.
    Column("display_name", String(DISPLAY_NAME_LENGTH), nullable=True),
    # Started by the signed-in teacher (from /class), whose runs the live view keeps apart.
    Column("by_teacher", Boolean, nullable=False, server_default=false()),
    # The live view reads an assignment's runs, newest first, without scanning the others.
    Index("ix_runs_assignment_id_created_at", "assignment_id", "created_at"),
)


steps_table = Table(
    "steps",
    metadata,
    Column("run_id", ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("b_before", Float),
    Column("m_before", Float),
    Column("grad_b", Float),
    Column("grad_m", Float),
    Column("b_after", Float),
    Column("m_after", Float),
    Column("loss_before", Float),
    Column("loss_after", Float),
    Column("diverged", Boolean, nullable=False),
    # Every variable after this step; null once diverged, since nothing continues from there.
    Column("state", JSON),
)


# One row, rewritten by `Store.ping` while writes are failing for lack of space, to learn
# when they succeed again without waiting for a learner's write.
health_probe_table = Table(
    "health_probe",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("probes", Integer, nullable=False),
)


# What a teacher hands out on /class: a title, instructions, the settings of the runs it starts
# (an assignment link's query, checked as one when created and again at each start) and the
# settings it locks. Its id is the short, unguessable slug of its link, /a/{id}.
assignments_table = Table(
    "assignments",
    metadata,
    Column("id", String(ASSIGNMENT_ID_LENGTH), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("title", String(ASSIGNMENT_TITLE_LENGTH), nullable=False),
    Column("instructions", String(ASSIGNMENT_INSTRUCTIONS_LENGTH), nullable=False),
    Column("settings", JSON, nullable=False),  # [[query name, value], …]
    Column("locks", JSON, nullable=False),  # [setting, …] (app/runs/setting_locks.py)
)
