"""Which task_span rows a MetricsFilter selects, as conditions on task_span itself, so that the
unfiltered measurement of a process reads only the span table's indexes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from engine.metrics.dialect import Dialect
from engine.metrics.scope import VERSION, scoped_cases
from engine.metrics.types import MetricsFilter
from engine.persistence.tables import TaskSpanRecord

SPAN = TaskSpanRecord.__table__


def span_scope(f: MetricsFilter, d: Dialect) -> list[Any]:
    """Conditions on task_span selecting the spans of the cases `f` selects (the lane aside)."""
    s = SPAN.c
    where: list[Any] = [s.process_key == f.key]
    if f.version is not None:
        where.append(s.process_version_id.in_(select(VERSION.c.id).where(VERSION.c.key == f.key, VERSION.c.version == f.version)))
    if f.since is not None or f.until is not None or f.segment is not None:
        cases: Select[Any] = scoped_cases(f, d)
        where.append(s.case_id.in_(select(cases.subquery("scope").c.case_id)))
    return where
