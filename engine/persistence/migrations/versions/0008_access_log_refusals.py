"""The access log also records refused attempts (why, in `refused`) and process-level actions
(`process_key`, e.g. an upload), which concern no case: `case_id` becomes optional.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite changes a column's nullability by copying the table
    with op.batch_alter_table("access_log") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("process_key", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("refused", sa.String(length=500), nullable=True))


def downgrade() -> None:
    # the trail is never deleted: rows about no case keep case 0 (no case has id 0)
    op.execute("UPDATE access_log SET case_id = 0 WHERE case_id IS NULL")
    with op.batch_alter_table("access_log") as batch:
        batch.drop_column("refused")
        batch.drop_column("process_key")
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
