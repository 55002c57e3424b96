"""The ready-task index is keyed by case and ordinal instead of state and manual (issue 14).

0017's `ix_case_task_ready` (state, manual) holds only ready user tasks, so its keys were the same
constant in every entry. Without planner statistics (Kapula runs no ANALYZE) SQLite preferred it to
the primary key (case_id, task_id) for a case's ready tasks, `WHERE case_id = ? AND state = 16 AND
manual IS 1`: two equality terms against one, so it walked every ready user task in the database
and sorted the case's few (EXPLAIN QUERY PLAN: `SEARCH case_task USING INDEX ix_case_task_ready
(state=? AND manual=?)`, `USE TEMP B-TREE FOR ORDER BY`), a cost growing with the number of open
cases on every step's view. Keyed (case_id, ordinal), a case's ready tasks are one search, in the
order the reads ask for; the inbox still reads the whole partial index, now in (case, ordinal)
order. The same rows are in it, so a step writes the same pages.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# as engine.persistence.tables.READY_STATE and is_ready_user_task, written out: a migration keeps what it did
_READY = {"sqlite": "state = 16 AND manual IS 1", "postgresql": "state = 16 AND manual IS true"}


def _ready_index(columns: list[str]) -> None:
    op.create_index(
        "ix_case_task_ready",
        "case_task",
        columns,
        sqlite_where=sa.text(_READY["sqlite"]),
        postgresql_where=sa.text(_READY["postgresql"]),
    )


def upgrade() -> None:
    op.drop_index("ix_case_task_ready", table_name="case_task")
    _ready_index(["case_id", "ordinal"])


def downgrade() -> None:
    op.drop_index("ix_case_task_ready", table_name="case_task")
    _ready_index(["state", "manual"])
