"""Handoffs in SQL, by the rule of engine.history.handoffs: an element becomes ready in a lane
other than the lane of the element completed last in the case (gateways and events without a
lane left out). The lane completed last is found without IGNORE NULLS (which PostgreSQL lacks):
a running count of completions numbers each run of events after a completion, and the first row
of each run is that completion."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, String, Subquery, Table, case, func, or_, select

from engine.metrics.dialect import Dialect
from engine.metrics.scope import COMPLETED, EVENT, READY, ROUTING_TYPES
from engine.metrics.spans import materialised, temp_name
from engine.metrics.stats import fetch_stats
from engine.metrics.types import HandoffCell, Stats
from engine.persistence.tables import UTCDateTime


def handoff_select(cases: Subquery, spans: Table) -> Any:
    """case_id, task_id, element_id, from_lane, to_lane, at, picked_up_at of every handoff."""
    e, lc = EVENT.c, EVENT.c.lifecycle
    base = (
        select(
            e.case_id, e.seq, e.task_id, e.element_id, e.lane, e.lifecycle, e.at,
            func.sum(case((lc == COMPLETED, 1), else_=0)).over(partition_by=e.case_id, order_by=e.seq).label("run"),
        )
        .join(cases, cases.c.case_id == e.case_id)
        .where(e.lane.is_not(None), lc.in_((READY, COMPLETED)), or_(e.element_type.is_(None), e.element_type.not_in(ROUTING_TYPES)))
    ).subquery("base")
    b = base.c
    marked = select(
        base,
        func.first_value(case((b.lifecycle == COMPLETED, b.lane))).over(partition_by=(b.case_id, b.run), order_by=b.seq).label("last_lane"),
    ).subquery("marked")
    m, s = marked.c, spans.c
    return (
        select(
            m.case_id, m.task_id, m.element_id, m.last_lane.label("from_lane"), m.lane.label("to_lane"), m.at,
            func.coalesce(s.claimed_at, s.completed_at).label("picked_up_at"),
        )
        .outerjoin(spans, (spans.c.case_id == m.case_id) & (spans.c.task_id == m.task_id))
        .where(m.lifecycle == READY, m.last_lane.is_not(None), m.lane != m.last_lane)
    )


@contextmanager
def handoff_table(conn: Connection, cases: Subquery, spans: Table) -> Iterator[Table]:
    table = Table(
        temp_name("handoffs"), MetaData(),
        Column("case_id", Integer), Column("task_id", String(36)), Column("element_id", String(255)),
        Column("from_lane", String(255)), Column("to_lane", String(255)),
        Column("at", UTCDateTime()), Column("picked_up_at", UTCDateTime()),
        prefixes=["TEMPORARY"],
    )
    with materialised(conn, table, handoff_select(cases, spans)) as filled:
        yield filled


def handoff_matrix(conn: Connection, handoffs: Table, d: Dialect, *, lane: str | None = None) -> list[HandoffCell]:
    h = handoffs.c
    where = [or_(h.from_lane == lane, h.to_lane == lane)] if lane else []
    pickup = fetch_stats(
        conn,
        select(h.from_lane, h.to_lane, d.seconds_between(h.at, h.picked_up_at).label("v")).where(h.picked_up_at.is_not(None), *where),
        ["from_lane", "to_lane"],
    )
    counts = conn.execute(
        select(h.from_lane, h.to_lane, func.count().label("n")).where(*where).group_by(h.from_lane, h.to_lane).order_by(h.from_lane, h.to_lane)
    ).all()
    return [HandoffCell(r.from_lane, r.to_lane, int(r.n), pickup.get((r.from_lane, r.to_lane), Stats(0))) for r in counts]


def handoffs_per_case(conn: Connection, cases: Subquery, handoffs: Table, *, lane: str | None = None) -> Stats:
    """Handoffs per case over every scoped case (a case without handoffs counts as 0)."""
    h = handoffs.c
    where = [or_(h.from_lane == lane, h.to_lane == lane)] if lane else []
    counts = select(h.case_id, func.count().label("n")).where(*where).group_by(h.case_id).subquery("counts")
    per_case = select(cases.c.case_id, func.coalesce(counts.c.n, 0).label("v")).select_from(
        cases.outerjoin(counts, counts.c.case_id == cases.c.case_id)
    )
    return fetch_stats(conn, per_case, []).get((), Stats(0))


def handoff_rows(conn: Connection, handoffs: Table) -> list[Any]:
    h = handoffs.c
    return list(conn.execute(select(handoffs).order_by(h.case_id, h.at, h.task_id)).all())
