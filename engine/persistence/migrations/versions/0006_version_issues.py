"""Documentation-only versions: why a version cannot run yet (empty list: it runs).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite's batch mode would copy and drop the table, which the cases'
    # foreign keys forbid once there is data. Existing versions ran, so they get "[]".
    op.add_column("process_version", sa.Column("issues_json", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("process_version", "issues_json")
