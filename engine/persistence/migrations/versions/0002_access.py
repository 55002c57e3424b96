"""Users, organisations, lanes, API tokens, process owners, settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 13:30:02.634310
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.persistence.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "setting",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=150), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "organisation_lane",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "process_key", "lane", name="uq_organisation_lane"),
    )
    with op.batch_alter_table("organisation_lane", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_lane_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "process_owner",
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("process_key"),
    )
    with op.batch_alter_table("process_owner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_owner_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("process_owner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_owner_organisation_id"))

    op.drop_table("process_owner")
    with op.batch_alter_table("organisation_lane", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_lane_organisation_id"))

    op.drop_table("organisation_lane")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_organisation_id"))

    op.drop_table("app_user")
    op.drop_table("setting")
    op.drop_table("organisation")
