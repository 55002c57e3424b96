"""Task spans: one row per task instance (ready, claimed, completed, cancelled times), built once
per measurement into a temporary table so each aggregate reads it instead of the event log."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Subquery,
    Table,
    case,
    func,
    insert,
    or_,
    select,
)

from engine.metrics.scope import CANCELLED, CLAIMED, COMPLETED, EVENT, READY, ROUTING_TYPES
from engine.persistence.tables import UTCDateTime

_names = itertools.count()


def _spans_table(name: str) -> Table:
    return Table(
        name,
        MetaData(),
        Column("case_id", Integer),
        Column("task_id", String(36)),
        Column("element_id", String(255)),
        Column("name", String(500)),
        Column("element_type", String(100)),
        Column("lane", String(255)),
        Column("ready_at", UTCDateTime()),
        Column("claimed_at", UTCDateTime()),
        Column("completed_at", UTCDateTime()),
        Column("cancelled_at", UTCDateTime()),
        # the handoff query looks spans up by task; without an index SQLite scans them per handoff
        Index(f"{name}_task", "case_id", "task_id"),
        prefixes=["TEMPORARY"],
    )


def spans_select(cases: Subquery) -> Any:
    """Per task of the scoped cases (gateways left out: they route, they hold no work)."""
    e, lc = EVENT.c, EVENT.c.lifecycle
    return (
        select(
            e.case_id,
            e.task_id,
            func.max(e.element_id).label("element_id"),
            func.max(e.element_name).label("name"),
            func.max(e.element_type).label("element_type"),
            func.max(e.lane).label("lane"),
            func.min(case((lc == READY, e.at))).label("ready_at"),
            func.min(case((lc == CLAIMED, e.at))).label("claimed_at"),
            func.max(case((lc == COMPLETED, e.at))).label("completed_at"),
            func.max(case((lc == CANCELLED, e.at))).label("cancelled_at"),
        )
        .join(cases, cases.c.case_id == e.case_id)
        .where(e.task_id.is_not(None), or_(e.element_type.is_(None), e.element_type.not_in(ROUTING_TYPES)))
        .group_by(e.case_id, e.task_id)
    )


@contextmanager
def materialised(conn: Connection, table: Table, source: Any) -> Iterator[Table]:
    """Fill the temporary `table` from the select `source`; drop it on exit."""
    table.create(conn)
    try:
        conn.execute(insert(table).from_select([c.name for c in table.c], source))
        yield table
    finally:
        table.drop(conn)


def temp_name(prefix: str) -> str:
    return f"kapula_{prefix}_{next(_names)}"


@contextmanager
def task_spans(conn: Connection, cases: Subquery) -> Iterator[Table]:
    """A temporary table of the spans of `cases` that became ready, dropped on exit."""
    source = spans_select(cases).subquery()
    with materialised(conn, _spans_table(temp_name("spans")), select(source).where(source.c.ready_at.is_not(None))) as table:
        yield table
