"""The process card's metrics measured against their targets for the current period.

Periods are the calendar year (half year, quarter, month) in UTC that holds `now`. As
docs/process-card-format.md says, a case counts in the period of its start, except for
`cases_completed` and `lead_time_mean` (its end); element completions count at their own time. Counts are also projected
to the end of the period at the pace so far.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import reduce
from typing import Any

from sqlalchemy import Connection, Select, case, func, select

from engine.metrics.dialect import Dialect
from engine.metrics.scope import CASE, COMPLETED, EVENT, scoped_cases
from engine.metrics.types import MetricsFilter, TargetProgress
from engine.process_card import Metric

COUNT_KINDS = ("cases_started", "cases_completed", "cases_reaching", "element_completions", "field_true")


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The calendar period holding `now`, or None for per-case targets."""
    months = {"year": 12, "half_year": 6, "quarter": 3, "month": 1}.get(period)
    if months is None:
        return None
    now = now.astimezone(UTC)
    first = (now.month - 1) // months * months + 1
    start = datetime(now.year, first, 1, tzinfo=UTC)
    end_month = first + months
    end = datetime(now.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=UTC)
    return start, end


def measure_targets(
    conn: Connection, f: MetricsFilter, d: Dialect, metrics: tuple[Metric, ...], now: datetime
) -> list[TargetProgress]:
    return [_progress(conn, f, d, m, now) for m in metrics]


def _progress(conn: Connection, f: MetricsFilter, d: Dialect, metric: Metric, now: datetime) -> TargetProgress:
    bounds = period_bounds(metric.period, now)
    start, end = bounds if bounds else (None, None)
    value = None if metric.measure.kind == "manual" else _value(conn, f, d, metric, start, now)
    if value is not None and metric.measure.kind == "field_share_true" and metric.unit == "%":
        value = round(value * 100, 1)  # the card's "%" targets are percentages of the 0–1 share
    share = projection = None
    if metric.measure.kind in COUNT_KINDS and value is not None and start is not None and end is not None:
        elapsed = (now - start) / (end - start)
        projection = round(value / elapsed, 1) if elapsed > 0 else None
        share = round(value / metric.target, 3) if metric.target else None
    judged = projection if projection is not None else value
    return TargetProgress(
        id=metric.id,
        name=metric.name,
        kind=metric.measure.kind,
        unit=metric.unit,
        period=metric.period,
        comparison=metric.comparison,
        target=metric.target,
        value=value,
        share_of_target=share,
        projection=projection,
        on_track=_meets(judged, metric.target, metric.comparison),
        period_start=start,
        period_end=end,
        data_source=metric.data_source,
        processed_in=metric.processed_in,
    )


def _meets(value: float | None, target: float | None, comparison: str) -> bool | None:
    if value is None or target is None:
        return None
    return {">=": value >= target, "<=": value <= target, "=": value == target}[comparison]


def _value(conn: Connection, f: MetricsFilter, d: Dialect, metric: Metric, start: datetime | None, now: datetime) -> float | None:
    m = metric.measure
    cases = scoped_cases(f, d)
    if start is not None and m.kind in ("cases_completed", "lead_time_mean"):
        cases = cases.where(CASE.c.ended_at >= start, CASE.c.ended_at <= now)
    elif start is not None:
        cases = cases.where(CASE.c.started_at >= start, CASE.c.started_at <= now)
    sq = cases.subquery("period_cases")
    c = sq.c
    data = c.data_json
    stmt: Select[Any]
    if m.kind == "cases_started":
        stmt = select(func.count())
    elif m.kind == "cases_completed":
        stmt = select(func.count()).where(c.status == "completed")
    elif m.kind in ("cases_reaching", "element_completions"):
        return _element_value(conn, f, d, m.kind, m.elements, start, now)
    elif m.kind == "field_true":
        stmt = select(func.sum(_added(case((d.json_true(data, n), 1), else_=0) for n in m.fields)))
    elif m.kind == "field_equals":
        stmt = select(func.count()).where(d.json_equals(data, m.field or "", m.value))
    elif m.kind == "field_mean":
        stmt = select(func.avg(d.json_number(data, m.field or "")))
    elif m.kind == "field_share_true":
        trues = _added(case((d.json_true(data, n), 1), else_=0) for n in m.fields)
        sets = _added(case((d.json_is_set(data, n), 1), else_=0) for n in m.fields)
        stmt = select(func.sum(trues) * 1.0 / func.nullif(func.sum(sets), 0))
    elif m.kind == "lead_time_mean":
        stmt = select(func.avg(d.seconds_between(c.started_at, c.ended_at)) / 86400.0).where(c.status == "completed")
    else:
        return None
    result = conn.execute(stmt.select_from(sq)).scalar()
    return None if result is None else round(float(result), 3)


def _added(terms: Iterable[Any]) -> Any:
    return reduce(operator.add, terms)


def _element_value(
    conn: Connection, f: MetricsFilter, d: Dialect, kind: str, elements: tuple[str, ...], start: datetime | None, now: datetime
) -> float:
    sq = scoped_cases(f, d).subquery("element_cases")
    e = EVENT.c
    window = [e.at >= start, e.at <= now] if start is not None else []
    counted = func.count(func.distinct(e.case_id)) if kind == "cases_reaching" else func.count()
    stmt = (
        select(counted)
        .select_from(EVENT)
        .join(sq, sq.c.case_id == e.case_id)
        .where(e.lifecycle == COMPLETED, e.element_id.in_(elements), *window)
    )
    return float(conn.execute(stmt).scalar() or 0)
