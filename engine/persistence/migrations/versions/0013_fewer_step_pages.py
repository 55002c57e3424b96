"""Fewer index pages per step (issue 14): SQLite wrote ~26 pages at every step's commit.

- `ix_event_case_id` goes: `uq_event_case_seq` (case_id, seq) leads with the same column and
  serves every read by case (both databases use a leftmost prefix); one index entry fewer per event.
- the percentile indexes of task_span hold only the spans that have the value: an open span has
  no duration, waiting or working time yet, and only a handed-over span (`from_lane` set) is read
  for pickup times, so opening a span writes none of them. Every read along them says
  `<value> IS NOT NULL` (`from_lane IS NOT NULL` for pickup), which implies the index's condition.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# name: (columns, the condition of the partial index)
_SPAN_INDEXES = {
    "ix_task_span_duration": (["process_key", "element_id", "lane", "duration_s"], "duration_s IS NOT NULL"),
    "ix_task_span_waiting": (["process_key", "element_id", "lane", "waiting_s"], "waiting_s IS NOT NULL"),
    "ix_task_span_working": (["process_key", "element_id", "lane", "working_s"], "working_s IS NOT NULL"),
    "ix_task_span_pickup": (["process_key", "from_lane", "lane", "pickup_s"], "from_lane IS NOT NULL"),
}


def upgrade() -> None:
    op.drop_index("ix_event_case_id", table_name="event")
    for name, (columns, where) in _SPAN_INDEXES.items():
        op.drop_index(name, table_name="task_span")
        op.create_index(name, "task_span", columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade() -> None:
    for name, (columns, _where) in _SPAN_INDEXES.items():
        op.drop_index(name, table_name="task_span")
        op.create_index(name, "task_span", columns)
    op.create_index("ix_event_case_id", "event", ["case_id"])
