"""Aggregate queries: case counts, monthly throughput, lead time (over `case`), stage durations,
waiting and working time, and the stages open now (over `task_span`). Each is a GROUP BY in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Subquery, and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from engine.metrics.dialect import Dialect
from engine.metrics.ordered import indexed_stats
from engine.metrics.scope import CASE, INCIDENT, INSTANT_TYPES, USER_TYPES
from engine.metrics.spans import SPAN
from engine.metrics.stats import fetch_stats
from engine.metrics.types import CaseCounts, MonthCount, StageStats, Stats


def case_counts(conn: Connection, cases: Subquery) -> CaseCounts:
    status = cases.c.status
    row = conn.execute(
        select(
            func.count().label("started"),
            func.sum(case((status == "completed", 1), else_=0)).label("completed"),
            func.sum(case((status == "cancelled", 1), else_=0)).label("cancelled"),
            func.sum(case((status == "running", 1), else_=0)).label("running"),
            func.sum(case((status == "failed", 1), else_=0)).label("failed"),
        )
    ).one()
    incidents = conn.execute(
        select(func.count()).select_from(INCIDENT).where(INCIDENT.c.case_id.in_(select(cases.c.case_id)))
    ).scalar_one()
    return CaseCounts(
        int(row.started),
        int(row.completed or 0),
        int(row.cancelled or 0),
        int(row.running or 0),
        failed=int(row.failed or 0),
        incidents=int(incidents),
    )


def throughput(conn: Connection, cases: Subquery, d: Dialect) -> list[MonthCount]:
    """Per month (UTC): cases started, and cases completed or cancelled in it."""
    c = cases.c
    marks = union_all(
        select(d.month(c.started_at).label("month"), literal("started").label("what")),
        select(d.month(c.ended_at).label("month"), c.status.label("what")).where(c.ended_at.is_not(None)),
    ).subquery("marks")
    rows = conn.execute(
        select(
            marks.c.month,
            func.sum(case((marks.c.what == "started", 1), else_=0)).label("started"),
            func.sum(case((marks.c.what == "completed", 1), else_=0)).label("completed"),
            func.sum(case((marks.c.what == "cancelled", 1), else_=0)).label("cancelled"),
        )
        .group_by(marks.c.month)
        .order_by(marks.c.month)
    ).all()
    return [MonthCount(r.month, int(r.started), int(r.completed), int(r.cancelled)) for r in rows]


def lead_time(conn: Connection, cases: Subquery, d: Dialect) -> Stats:
    """Started → completed, over the completed cases."""
    c = cases.c
    source = select(d.seconds_between(c.started_at, c.ended_at).label("v")).where(c.status == "completed")
    return fetch_stats(conn, source, []).get((), Stats(0))


def _work() -> ColumnElement[bool]:
    s = SPAN.c
    return or_(s.element_type.is_(None), s.element_type.not_in(INSTANT_TYPES))


def stage_stats(conn: Connection, where: Sequence[Any], *, lane: str | None = None) -> list[StageStats]:
    """Per element and lane: durations of completed stages, cancellations, waiting and working.
    Start and end events are instants, not stages; a group holding only stages is measured along
    the indexes alone, one that also holds instants (an element id whose type changed between
    versions) with the type checked row by row."""
    s, work = SPAN.c, _work()
    mine = [*where, *([s.lane == lane] if lane else [])]
    first_ready = func.min(case((work, s.ready_at)))
    facts = conn.execute(
        select(
            s.element_id,
            s.lane,
            func.max(case((work, s.element_name))).label("name"),
            func.max(case((work, s.element_type))).label("element_type"),
            func.sum(case((work, 0), else_=1)).label("instants"),
            func.sum(case((and_(work, s.cancelled_at.is_not(None)), 1), else_=0)).label("cancelled"),
            func.sum(
                case((and_(s.completed_at.is_not(None), s.claimed_at.is_(None), s.element_type.in_(USER_TYPES)), 1), else_=0)
            ).label("unclaimed"),
            func.sum(case((and_(work, s.completed_at.is_(None), s.cancelled_at.is_(None)), 1), else_=0)).label("open_now"),
        )
        .where(*mine)
        .group_by(s.element_id, s.lane)
        .having(func.sum(case((work, 1), else_=0)) > 0)
        .order_by(first_ready, s.element_id)
    ).all()
    pure = {(r.element_id, r.lane) for r in facts if not r.instants}
    mixed = {(r.element_id, r.lane) for r in facts if r.instants}

    def measured(value: Any) -> dict[tuple[Any, ...], Stats]:
        found = indexed_stats(conn, value, mine, [s.element_id, s.lane], only=pure)
        if mixed:
            found.update(indexed_stats(conn, value, [*mine, work], [s.element_id, s.lane], only=mixed))
        return found

    durations, waiting, working = measured(s.duration_s), measured(s.waiting_s), measured(s.working_s)
    return [
        StageStats(
            element_id=r.element_id,
            name=r.name,
            lane=r.lane,
            element_type=r.element_type,
            duration=durations.get((r.element_id, r.lane), Stats(0)),
            cancelled=int(r.cancelled),
            waiting=waiting.get((r.element_id, r.lane), Stats(0)),
            working=working.get((r.element_id, r.lane), Stats(0)),
            unclaimed=int(r.unclaimed),
            open_now=int(r.open_now),
        )
        for r in facts
    ]


def open_stages(conn: Connection, where: Sequence[Any]) -> list[Any]:
    """Stages of running cases that are ready (or claimed) and not yet ended, oldest first."""
    s = SPAN.c
    return list(
        conn.execute(
            select(s.case_id, s.element_id, s.element_name.label("name"), s.lane, s.ready_at)
            .join(CASE, CASE.c.id == s.case_id)
            .where(*where, CASE.c.status == "running", s.completed_at.is_(None), s.cancelled_at.is_(None), _work())
            .order_by(s.ready_at, s.case_id)
        ).all()
    )


def seconds_since(moment: datetime, now: datetime) -> float:
    return round((now - moment).total_seconds(), 3)
