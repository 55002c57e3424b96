"""One export: pick the writer for the format and feed it streamed rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, Any

from sqlalchemy import Connection, func, select

from engine.errors import InvalidDataError
from engine.export.csv_log import write_csv
from engine.export.ocel import write_ocel
from engine.export.rows import BATCH, Pseudonyms, case_rows, task_rows
from engine.export.xes import write_xes
from engine.metrics.dialect import Dialect
from engine.metrics.scope import EVENT, ROUTING_TYPES, scoped_cases
from engine.metrics.types import MetricsFilter

FORMATS = ("xes", "ocel", "csv")


def export_log(
    conn: Connection,
    f: MetricsFilter,
    fmt: str,
    out: IO[str],
    *,
    process_name: str,
    names: Pseudonyms,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the event log of the cases `f` selects to `out`; returns the number of events.
    Raises InvalidDataError for an unknown format."""
    if fmt not in FORMATS:
        raise InvalidDataError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    rows = task_rows(conn, f, names, progress=progress)
    if fmt == "csv":
        return write_csv(out, rows)
    if fmt == "xes":
        return write_xes(out, rows, _buffered_cases(conn, f), process_key=f.key, process_name=process_name)
    lanes, activities, tasks = _ocel_parts(conn, f)
    return write_ocel(out, rows, _buffered_cases(conn, f), lanes, tasks, activities)


def _buffered_cases(conn: Connection, f: MetricsFilter) -> list[Any]:
    # cases are few next to events; reading them first keeps one cursor open at a time
    return list(case_rows(conn, f))


def _ocel_parts(conn: Connection, f: MetricsFilter) -> tuple[list[str], list[str], Iterable[Any]]:
    cases = scoped_cases(f, Dialect(conn.dialect.name)).subquery("scope")
    e = EVENT.c
    work = [e.task_id.is_not(None), (e.element_type.is_(None)) | (e.element_type.not_in(ROUTING_TYPES))]
    lanes = list(
        conn.scalars(
            select(e.lane).distinct().join(cases, cases.c.case_id == e.case_id).where(e.lane.is_not(None), *work).order_by(e.lane)
        )
    )
    name = func.coalesce(e.element_name, e.element_id)
    activities = list(conn.scalars(select(name).distinct().join(cases, cases.c.case_id == e.case_id).where(*work).order_by(name)))
    # streamed: the writer reads every task before it starts on the events
    tasks = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(e.task_id, e.element_id, e.case_id)
        .join(cases, cases.c.case_id == e.case_id)
        .where(e.lifecycle == "task_ready", *work)
        .order_by(e.case_id, e.seq)
    )
    return lanes, activities, tasks
