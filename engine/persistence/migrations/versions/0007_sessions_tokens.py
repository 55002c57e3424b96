"""Server-side browser sessions, API token expiry and revocation, disabled users.

Tokens made before this migration get an expiry 90 days from the upgrade, so none lives forever.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

EXISTING_TOKENS_EXPIRE_AFTER = timedelta(days=90)


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_index("ix_web_session_expires_at", "web_session", ["expires_at"])
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("disabled_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
    token = sa.table("api_token", sa.column("expires_at", UTCDateTime()))
    op.execute(
        token.update().where(token.c.expires_at.is_(None)).values(expires_at=datetime.now(UTC) + EXISTING_TOKENS_EXPIRE_AFTER)
    )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("disabled_at")
    op.drop_index("ix_web_session_expires_at", table_name="web_session")
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
