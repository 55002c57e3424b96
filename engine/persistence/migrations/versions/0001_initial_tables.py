"""Initial tables: process versions, cases, case tasks and the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 13:15:59.040122
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "process_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("dialect", sa.String(length=20), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("actors_json", sa.Text(), nullable=False),
        sa.Column("elements_json", sa.Text(), nullable=False),
        sa.Column("source_json", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "version", name="uq_process_version_key_version"),
    )
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_version_key"), ["key"], unique=False)

    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("last_event_seq", sa.Integer(), nullable=False),
        sa.Column("next_ordinal", sa.Integer(), nullable=False),
        sa.Column("next_timer_due", UTCDateTime(), nullable=True),
        sa.Column("header_json", sa.Text(), nullable=False),
        sa.Column("data_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_version_id"],
            ["process_version.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index("ix_case_next_timer_due", ["next_timer_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_process_key"), ["process_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_process_version_id"), ["process_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_status"), ["status"], unique=False)

    op.create_table(
        "case_task",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("workflow_id", sa.String(length=36), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.PrimaryKeyConstraint("case_id", "task_id"),
    )
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.create_index("ix_case_task_open", ["state", "manual"], unique=False)
        batch_op.create_index("ix_case_task_task_id", ["task_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lifecycle", sa.String(length=30), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=True),
        sa.Column("element_name", sa.String(length=500), nullable=True),
        sa.Column("element_type", sa.String(length=100), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=True),
        sa.Column("user_name", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("changed_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "seq", name="uq_event_case_seq"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_case_id"), ["case_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_case_id"))
        batch_op.drop_index(batch_op.f("ix_event_at"))

    op.drop_table("event")
    with op.batch_alter_table("case_task", schema=None) as batch_op:
        batch_op.drop_index("ix_case_task_task_id")
        batch_op.drop_index("ix_case_task_open")

    op.drop_table("case_task")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status"))
        batch_op.drop_index(batch_op.f("ix_case_process_version_id"))
        batch_op.drop_index(batch_op.f("ix_case_process_key"))
        batch_op.drop_index("ix_case_next_timer_due")

    op.drop_table("case")
    with op.batch_alter_table("process_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_version_key"))

    op.drop_table("process_version")
