"""Why a case was cancelled or its personal data erased (`access_log.reason`), and which processes
customers may start themselves (`process_version.customer_can_start`, from the process card's
`customer_can_start` flag; docs/process-card-format.md).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_CARD_SUFFIX = ".card.json"


def _offered(source_json: str, key: str) -> bool:
    """Whether a stored version's own card offers the process to customers (read as the loader does:
    the card whose `process` is the key; anything unreadable offers nothing)."""
    try:
        source = json.loads(source_json)
    except ValueError:
        return False
    for name in sorted(source):
        if not name.endswith(_CARD_SUFFIX):
            continue
        try:
            card = json.loads(source[name])
        except ValueError:
            continue
        if isinstance(card, dict) and card.get("process") == key:
            return card.get("customer_can_start") is True
    return False


def upgrade() -> None:
    # plain ADD COLUMNs: SQLite's batch mode would copy and drop tables that foreign keys point at
    op.add_column("access_log", sa.Column("reason", sa.String(length=500), nullable=True))
    op.add_column("process_version", sa.Column("customer_can_start", sa.Boolean(), nullable=False, server_default=sa.false()))
    bind = op.get_bind()
    versions = sa.table(
        "process_version",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("source_json", sa.Text),
        sa.column("customer_can_start", sa.Boolean),
    )
    offered = [
        row.id
        for row in bind.execute(sa.select(versions.c.id, versions.c.key, versions.c.source_json))
        if _offered(row.source_json, row.key)
    ]
    if offered:
        bind.execute(sa.update(versions).where(versions.c.id.in_(offered)).values(customer_can_start=True))


def downgrade() -> None:
    op.drop_column("process_version", "customer_can_start")
    op.drop_column("access_log", "reason")
