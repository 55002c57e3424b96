"""The language each user reads the pages in (issue 15: Finnish, Swedish and English).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # None: the user has not chosen; the pages follow the browser's Accept-Language
    op.add_column("app_user", sa.Column("language", sa.String(length=10), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): a batch copy of app_user would trip the keys pointing at it
    op.drop_column("app_user", "language")
