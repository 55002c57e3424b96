"""Handoffs from task_span: a span with a `from_lane` is work handed over when it became ready, by
the rule of engine.history.handoffs (engine.spans computes it when the span opens)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Subquery, func, or_, select

from engine.metrics.ordered import indexed_stats
from engine.metrics.spans import SPAN
from engine.metrics.stats import fetch_stats
from engine.metrics.types import HandoffCell, Stats


def _handoffs(where: Sequence[Any], lane: str | None) -> list[Any]:
    s = SPAN.c
    return [*where, s.from_lane.is_not(None), *([or_(s.from_lane == lane, s.lane == lane)] if lane else [])]


def handoff_matrix(conn: Connection, where: Sequence[Any], *, lane: str | None = None) -> list[HandoffCell]:
    s, mine = SPAN.c, _handoffs(where, lane)
    pickup = indexed_stats(conn, s.pickup_s, mine, [s.from_lane, s.lane])
    counts = conn.execute(
        select(s.from_lane, s.lane.label("to_lane"), func.count().label("n"))
        .where(*mine)
        .group_by(s.from_lane, s.lane)
        .order_by(s.from_lane, s.lane)
    ).all()
    return [HandoffCell(r.from_lane, r.to_lane, int(r.n), pickup.get((r.from_lane, r.to_lane), Stats(0))) for r in counts]


def handoffs_per_case(conn: Connection, cases: Subquery, where: Sequence[Any], *, lane: str | None = None) -> Stats:
    """Handoffs per case over every scoped case (a case without handoffs counts as 0)."""
    s = SPAN.c
    counts = select(s.case_id, func.count().label("n")).where(*_handoffs(where, lane)).group_by(s.case_id).subquery("counts")
    per_case = select(cases.c.case_id, func.coalesce(counts.c.n, 0).label("v")).select_from(
        cases.outerjoin(counts, counts.c.case_id == cases.c.case_id)
    )
    return fetch_stats(conn, per_case, []).get((), Stats(0))


def handoff_rows(conn: Connection, where: Sequence[Any]) -> list[Any]:
    """case_id, element_id, from_lane, to_lane, at, picked_up_at of every handoff, in case and time order."""
    s = SPAN.c
    return list(
        conn.execute(
            select(
                s.case_id,
                s.element_id,
                s.from_lane,
                s.lane.label("to_lane"),
                s.ready_at.label("at"),
                func.coalesce(s.claimed_at, s.completed_at).label("picked_up_at"),
            )
            .where(*_handoffs(where, None))
            .order_by(s.case_id, s.ready_at, s.task_id)
        ).all()
    )
