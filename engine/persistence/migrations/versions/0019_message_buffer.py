"""Messages kept for a case that does not wait for them yet (docs/adr/0008-buffered-messages.md).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_buffer",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("pool", sa.String(length=500), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("correlations_json", sa.Text(), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("from_case_id", sa.Integer(), nullable=False),
        sa.Column("from_element", sa.String(length=255), nullable=True),
        sa.Column("from_lane", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_message_buffer_lookup", "message_buffer", ["process_key", "name", "expires_at"])
    op.create_index("ix_message_buffer_expires", "message_buffer", ["expires_at"])
    op.create_index("ix_message_buffer_sender", "message_buffer", ["from_case_id"])


def downgrade() -> None:
    op.drop_index("ix_message_buffer_sender", table_name="message_buffer")
    op.drop_index("ix_message_buffer_expires", table_name="message_buffer")
    op.drop_index("ix_message_buffer_lookup", table_name="message_buffer")
    op.drop_table("message_buffer")
