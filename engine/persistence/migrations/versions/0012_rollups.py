"""Rollups for the metrics: per-version, per-month stage, handoff and case aggregates and one fact row
per case, value buckets for exact percentiles, kept by triggers in every transaction that writes task_span or case; backfilled from
task_span and case. An index of the open spans for the stuck cases.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from engine.persistence.tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_OPEN = "completed_at IS NULL AND cancelled_at IS NULL"


def _key(*extra: SchemaItem) -> list[SchemaItem]:
    return [
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        *extra,
    ]


def _counts(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(n, sa.BigInteger(), nullable=False, server_default="0") for n in names]


def _sums(*names: str) -> list[sa.Column[float]]:
    return [sa.Column(n, sa.Float(), nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    op.create_table(
        "rollup_stage",
        *_key(
            sa.Column("element_id", sa.String(length=255), nullable=False),
            sa.Column("lane", sa.String(length=255), nullable=False),
        ),
        *_counts("spans", "instants", "cancelled", "unclaimed", "open_now", "dur_n"),
        *_sums("dur_sum"),
        *_counts("wait_n"),
        *_sums("wait_sum"),
        *_counts("work_n"),
        *_sums("work_sum"),
        sa.Column("first_ready", UTCDateTime(), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("element_type", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("process_key", "process_version_id", "month", "element_id", "lane"),
    )
    op.create_table(
        "rollup_handoff",
        *_key(
            sa.Column("from_lane", sa.String(length=255), nullable=False),
            sa.Column("to_lane", sa.String(length=255), nullable=False),
        ),
        *_counts("n", "pickup_n"),
        *_sums("pickup_sum"),
        sa.PrimaryKeyConstraint("process_key", "process_version_id", "month", "from_lane", "to_lane"),
    )
    op.create_table(
        "rollup_case_month",
        *_key(),
        *_counts("started", "running", "failed", "completed", "cancelled", "lead_n"),
        *_sums("lead_sum"),
        sa.PrimaryKeyConstraint("process_key", "process_version_id", "month"),
    )
    op.create_table(
        "rollup_bucket",
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("group_a", sa.String(length=255), nullable=False),
        sa.Column("group_b", sa.String(length=255), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        *_counts("n"),
        sa.PrimaryKeyConstraint("process_key", "measure", "group_a", "group_b", "bucket"),
    )
    op.create_table(
        "case_fact",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("process_version_id", sa.Integer(), nullable=False),
        sa.Column("lead_s", sa.Float(), nullable=True),
        sa.Column("handoffs", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("case_id"),
    )
    from engine.rollups.store import install_triggers, rebuild_rollups

    bind = op.get_bind()
    install_triggers(
        bind, revision=12
    )  # first: PostgreSQL's backfill uses their bucket function; the backfill writes no span or case
    rebuild_rollups(bind)
    # indexes after the backfill: building them once is cheaper than row by row
    op.create_index("ix_case_fact_lead", "case_fact", ["process_key", "lead_s"])
    op.create_index("ix_case_fact_handoffs", "case_fact", ["process_key", "handoffs"])
    op.create_index(
        "ix_task_span_open",
        "task_span",
        ["process_key", "ready_at"],
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    from engine.rollups.store import drop_triggers

    drop_triggers(op.get_bind())
    op.drop_index("ix_task_span_open", table_name="task_span")
    for table in ("case_fact", "rollup_bucket", "rollup_case_month", "rollup_handoff", "rollup_stage"):
        op.drop_table(table)
