"""The event log's task index holds the claim events only (issue 14).

`ix_event_task_id` took an entry for every event with a task, at a random place (task ids are
UUIDs): about 2 of the ~22 pages SQLite wrote at each step. Its readers want claims (the holders of
listed tasks, the inbox's claimed filter) — they read along `ix_event_claims` — or the name and type
of a task's ready event at a claim, which its task_span row gives by primary key.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# as engine.persistence.tables.CLAIM_LIFECYCLES, written out: a migration keeps what it did
_CLAIMS = "lifecycle IN ('task_claimed', 'task_unclaimed')"


def upgrade() -> None:
    op.create_index("ix_event_claims", "event", ["task_id"], sqlite_where=sa.text(_CLAIMS), postgresql_where=sa.text(_CLAIMS))
    op.drop_index("ix_event_task_id", table_name="event")


def downgrade() -> None:
    op.create_index("ix_event_task_id", "event", ["task_id"])
    op.drop_index("ix_event_claims", table_name="event")
