"""Cheaper rollup triggers (issue 14): the same sums as 0012's, with less work per step.

On SQLite the triggers on task_span are split by what they keep, each with `UPDATE OF` the columns
it reads and a WHEN that holds only when its part moves: an UPDATE that sets none of a trigger's
columns leaves it out, and a false WHEN runs none of its statements. A completion used to run the
stage and handoff deltas and eight bucket statements whatever it changed; an opened span's
insert, the handoff and four bucket upserts whose WHERE was false. On both databases a span whose
element type changes takes the full path (old share back, new share in), so the kept path's
delta leaves out the sums that depend on kept columns alone (spans, instants, handoffs' n).

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from engine.rollups.store import install_triggers

    install_triggers(op.get_bind(), revision=15)  # drops 0012's first; the sums are unchanged, no rebuild


def downgrade() -> None:
    from engine.rollups.store import install_triggers

    install_triggers(op.get_bind(), revision=12)
