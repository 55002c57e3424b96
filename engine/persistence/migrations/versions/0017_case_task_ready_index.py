"""The task rows' state index holds only the user tasks ready to work on (issue 14).

`ix_case_task_open` (state, manual) had an entry for every task row, and a step moves several rows
between states (the completed task, the next one readied, SpiffWorkflow's predicted tasks): on a
database of 1,500 three-lane cases, 2.7 of the ~27 pages SQLite wrote at each step's commit. Every
read along it asks for ready user tasks (the inbox, the task lists, the case list's lane filter,
a case's ready tasks), so `ix_case_task_ready` holds those rows alone, with the same columns: the
same plans, the same rows in the same order (an index's entries of equal key are in row order).
The reads say its condition with the literals (engine.persistence.tables.is_ready_user_task), as
SQLite needs to use a partial index.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# as engine.persistence.tables.READY_STATE and is_ready_user_task, written out: a migration keeps what it did
_READY = {"sqlite": "state = 16 AND manual IS 1", "postgresql": "state = 16 AND manual IS true"}


def upgrade() -> None:
    op.create_index(
        "ix_case_task_ready",
        "case_task",
        ["state", "manual"],
        sqlite_where=sa.text(_READY["sqlite"]),
        postgresql_where=sa.text(_READY["postgresql"]),
    )
    op.drop_index("ix_case_task_open", table_name="case_task")


def downgrade() -> None:
    op.create_index("ix_case_task_open", "case_task", ["state", "manual"])
    op.drop_index("ix_case_task_ready", table_name="case_task")
