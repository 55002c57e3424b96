"""The event log's time index only where a read uses it: PostgreSQL (issue 14).

`ix_event_at` takes an entry for every event: 1.3 of the ~20 pages SQLite wrote at each step's
commit. Its one reader is the process card's target windows (`engine.metrics.targets`: element
completions and cases reaching an element since the period's start). PostgreSQL's planner reads a
narrow window along it. SQLite's never does: Kapula keeps no planner statistics on SQLite (no
ANALYZE), and without them SQLite takes the equality on the case's process key before the range on
`at`, reading the scoped cases' events along `uq_event_case_seq` with or without this index (the
same plan, so the same reads and the same numbers). So it goes on SQLite and stays on PostgreSQL.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    if _sqlite():
        op.drop_index("ix_event_at", table_name="event")


def downgrade() -> None:
    if _sqlite():
        op.create_index("ix_event_at", "event", ["at"])
