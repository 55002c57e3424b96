"""Aggregate queries: case counts, monthly throughput, lead time, stage durations, waiting and
working time, and the stages open now. Each one is a GROUP BY in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Subquery, Table, and_, case, func, literal, or_, select, union_all

from engine.metrics.dialect import Dialect
from engine.metrics.scope import INSTANT_TYPES, USER_TYPES
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
        )
    ).one()
    return CaseCounts(int(row.started), int(row.completed or 0), int(row.cancelled or 0), int(row.running or 0))


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


def stage_stats(conn: Connection, spans: Table, d: Dialect, *, lane: str | None = None) -> list[StageStats]:
    """Per element and lane: durations of completed stages, cancellations, waiting and working."""
    s = spans.c
    work = and_(or_(s.element_type.is_(None), s.element_type.not_in(INSTANT_TYPES)), *([s.lane == lane] if lane else []))
    groups = ["element_id", "lane"]
    durations = fetch_stats(
        conn, select(s.element_id, s.lane, d.seconds_between(s.ready_at, s.completed_at).label("v")).where(work, s.completed_at.is_not(None)), groups
    )
    waiting = fetch_stats(
        conn, select(s.element_id, s.lane, d.seconds_between(s.ready_at, s.claimed_at).label("v")).where(work, s.claimed_at.is_not(None)), groups
    )
    working = fetch_stats(
        conn,
        select(s.element_id, s.lane, d.seconds_between(s.claimed_at, s.completed_at).label("v")).where(
            work, s.claimed_at.is_not(None), s.completed_at.is_not(None)
        ),
        groups,
    )
    facts = conn.execute(
        select(
            s.element_id,
            s.lane,
            func.max(s.name).label("name"),
            func.max(s.element_type).label("element_type"),
            func.min(s.ready_at).label("first_ready"),
            func.sum(case((s.cancelled_at.is_not(None), 1), else_=0)).label("cancelled"),
            func.sum(case((and_(s.completed_at.is_not(None), s.claimed_at.is_(None), s.element_type.in_(USER_TYPES)), 1), else_=0)).label("unclaimed"),
            func.sum(case((and_(s.completed_at.is_(None), s.cancelled_at.is_(None)), 1), else_=0)).label("open_now"),
        )
        .where(work)
        .group_by(s.element_id, s.lane)
        .order_by(func.min(s.ready_at), s.element_id)
    ).all()
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


def open_stages(conn: Connection, spans: Table, cases: Subquery) -> list[Any]:
    """Stages of running cases that are ready (or claimed) and not yet ended, oldest first."""
    s = spans.c
    return list(
        conn.execute(
            select(s.case_id, s.element_id, s.name, s.lane, s.ready_at)
            .join(cases, cases.c.case_id == s.case_id)
            .where(cases.c.status == "running", s.completed_at.is_(None), s.cancelled_at.is_(None),
                   or_(s.element_type.is_(None), s.element_type.not_in(INSTANT_TYPES)))
            .order_by(s.ready_at, s.case_id)
        ).all()
    )


def seconds_since(moment: datetime, now: datetime) -> float:
    return round((now - moment).total_seconds(), 3)
