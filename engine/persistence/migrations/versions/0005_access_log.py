"""The access log: who read or changed which case, how and when.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = {"ix_access_log_at": "at", "ix_access_log_user_name": "user_name", "ix_access_log_case_id": "case_id"}


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_name", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("origin", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, column in _INDEXES.items():
        op.create_index(name, "access_log", [column])


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="access_log")
    op.drop_table("access_log")
