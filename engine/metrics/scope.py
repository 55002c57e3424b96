"""The cases a MetricsFilter selects, and the event-log rows of those cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Subquery, and_, select

from engine.metrics.dialect import Dialect
from engine.metrics.types import MetricsFilter
from engine.persistence.tables import CaseRecord, EventRecord, IncidentRecord, ProcessVersionRecord
from engine.vocabulary import INSTANT_TYPES as INSTANT_TYPES
from engine.vocabulary import ROUTING_TYPES as ROUTING_TYPES
from engine.vocabulary import SPAN_LIFECYCLES, USER_TASK_TYPES

CASE = CaseRecord.__table__
EVENT = EventRecord.__table__
INCIDENT = IncidentRecord.__table__
VERSION = ProcessVersionRecord.__table__

# Gateways only route, and start and end events are instants: neither is a stage of work
USER_TYPES = USER_TASK_TYPES
READY, CLAIMED, COMPLETED, CANCELLED = SPAN_LIFECYCLES


def scoped_cases(f: MetricsFilter, d: Dialect, *, running_only: bool = False) -> Select[Any]:
    """case_id, status, started_at, ended_at of the cases the filter selects."""
    conditions = [CASE.c.process_key == f.key]
    if f.version is not None:
        conditions.append(VERSION.c.version == f.version)
    if f.since is not None:
        conditions.append(CASE.c.started_at >= f.since)
    if f.until is not None:
        conditions.append(CASE.c.started_at < f.until)
    if f.segment is not None:
        conditions.append(d.json_equals(CASE.c.data_json, f.segment_field, f.segment))
    if running_only:
        conditions.append(CASE.c.status == "running")
    stmt = select(CASE.c.id.label("case_id"), CASE.c.status, CASE.c.started_at, CASE.c.ended_at, CASE.c.data_json)
    if f.version is not None:
        stmt = stmt.join(VERSION, VERSION.c.id == CASE.c.process_version_id)
    return stmt.where(and_(*conditions))


def scoped_events(cases: Subquery) -> Select[Any]:
    """The event rows of the scoped cases (columns of `event`)."""
    return select(EVENT).join(cases, cases.c.case_id == EVENT.c.case_id)
