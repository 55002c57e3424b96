"""What a case waits for, incidents of failed unattended steps, conversations and correlations of
messages between cases.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTERs, no batch copy of `case`: SQLite (3.35+) adds and drops columns itself, and a
    # copy of the table would trip the foreign keys of the tables that point at it
    op.add_column("case", sa.Column("waiting_json", sa.Text(), nullable=True))
    op.add_column("case", sa.Column("conversation_id", sa.String(length=36), nullable=True))
    op.create_index("ix_case_conversation_id", "case", ["conversation_id"], unique=False)
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=True),
        sa.Column("element_name", sa.String(length=500), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_case_id", "incident", ["case_id"])
    op.create_index("ix_incident_process_key", "incident", ["process_key"])
    op.create_table(
        "case_correlation",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("case_id", "key"),
    )
    op.create_index("ix_case_correlation_value", "case_correlation", ["key", "value"])


def downgrade() -> None:
    op.drop_index("ix_case_correlation_value", table_name="case_correlation")
    op.drop_table("case_correlation")
    op.drop_index("ix_incident_process_key", table_name="incident")
    op.drop_index("ix_incident_case_id", table_name="incident")
    op.drop_table("incident")
    op.drop_index("ix_case_conversation_id", table_name="case")
    op.drop_column("case", "conversation_id")
    op.drop_column("case", "waiting_json")
