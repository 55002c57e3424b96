"""Task spans: one row per element instance, derived from the event log for the metrics, backfilled

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_task_span_case_done": ["case_id", "completed_seq"],
    "ix_task_span_duration": ["process_key", "element_id", "lane", "duration_s"],
    "ix_task_span_waiting": ["process_key", "element_id", "lane", "waiting_s"],
    "ix_task_span_working": ["process_key", "element_id", "lane", "working_s"],
    "ix_task_span_pickup": ["process_key", "from_lane", "lane", "pickup_s"],
}


def upgrade() -> None:
    op.create_table(
        "task_span",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=True),
        sa.Column("element_name", sa.String(length=500), nullable=True),
        sa.Column("element_type", sa.String(length=100), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=True),
        sa.Column("from_lane", sa.String(length=255), nullable=True),
        sa.Column("ready_seq", sa.Integer(), nullable=False),
        sa.Column("ready_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("completed_seq", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("waiting_s", sa.Float(), nullable=True),
        sa.Column("working_s", sa.Float(), nullable=True),
        sa.Column("pickup_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("case_id", "task_id"),
    )
    # index after the backfill: building them once is cheaper than maintaining them row by row
    from engine.spans.store import rebuild_spans

    rebuild_spans(op.get_bind(), rollups=False)  # the rollups come with 0012
    for name, columns in _INDEXES.items():
        op.create_index(name, "task_span", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="task_span")
    op.drop_table("task_span")
