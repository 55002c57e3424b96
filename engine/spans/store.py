"""Writing task spans: inside a step's or a claim's transaction with prebuilt Core statements, and
rebuilding them from the event log (the migration's backfill, and `rebuild_spans` for repairs)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, delete, func, insert, or_, select, update

from engine.metrics.dialect import Dialect
from engine.persistence.direct import DirectStatement
from engine.persistence.tables import CaseRecord, EventRecord, TaskSpanRecord, UTCDateTime, table_of
from engine.rollups.store import bulk_writes
from engine.spans.derive import SpanChanges, SpanDeriver
from engine.spans.rule import CONTAINER_TYPES, START_EVENT, WORK_TYPES, message_from_lane
from engine.vocabulary import SPAN_LIFECYCLES, Lifecycle

SPAN = table_of(TaskSpanRecord)
_CASES = table_of(CaseRecord)
_EVENTS = table_of(EventRecord)
_SPAN_EVENTS = SPAN_LIFECYCLES
_BATCH = 5000


class _Statements:
    """The span statements of one SQL dialect, built once (the seconds are dialect SQL)."""

    def __init__(self, dialect: str) -> None:
        s, d = SPAN.c, Dialect(dialect)
        at = bindparam("at", type_=UTCDateTime())
        mine = (s.case_id == bindparam("b_case")) & (s.task_id == bindparam("b_task"))
        self.insert = insert(SPAN)
        self.claim = (
            update(SPAN)
            .where(mine, s.claimed_at.is_(None))
            .values(claimed_at=at, waiting_s=d.seconds_between(s.ready_at, at), pickup_s=d.seconds_between(s.ready_at, at))
        )
        self.complete = (
            update(SPAN)
            .where(mine)
            .values(
                completed_at=at,
                completed_seq=bindparam("seq"),
                outcome="completed",
                duration_s=d.seconds_between(s.ready_at, at),
                working_s=case((s.claimed_at.is_not(None), d.seconds_between(s.claimed_at, at))),
                pickup_s=func.coalesce(s.pickup_s, d.seconds_between(s.ready_at, at)),
            )
        )
        self.cancel = update(SPAN).where(mine).values(cancelled_at=at, outcome="cancelled")
        # the lane work comes from (engine.spans.rule): the latest of a completed task and a begun
        # subprocess or call activity; a start event only when there is neither
        begun = s.element_type.in_(CONTAINER_TYPES)
        position = case((begun, s.ready_seq), (s.element_type == START_EVENT, 0), else_=s.completed_seq)
        self.last_lane = (
            select(s.lane, position.label("seq"))
            .where(
                s.case_id == bindparam("b_case"),
                s.lane.is_not(None),
                begun | (s.completed_seq.is_not(None) & (s.element_type.in_(WORK_TYPES) | (s.element_type == START_EVENT))),
            )
            .order_by(position.desc(), s.ready_seq)
            .limit(1)
        )
        e = _EVENTS.c
        self.last_message = (
            select(e.seq, e.changed_json)
            .where(
                e.case_id == bindparam("b_case"), e.lifecycle == Lifecycle.MESSAGE_RECEIVED.value, e.seq < bindparam("b_before")
            )
            .order_by(e.seq.desc())
            .limit(1)
        )
        self.direct_insert, self.direct_claim = DirectStatement(self.insert), DirectStatement(self.claim)
        self.direct_complete, self.direct_cancel = DirectStatement(self.complete), DirectStatement(self.cancel)
        # the same seconds as the live statements compute, for rows a rebuild inserted
        self.seconds = update(SPAN).values(
            duration_s=d.seconds_between(s.ready_at, s.completed_at),
            waiting_s=d.seconds_between(s.ready_at, s.claimed_at),
            working_s=d.seconds_between(s.claimed_at, s.completed_at),
            pickup_s=d.seconds_between(s.ready_at, func.coalesce(s.claimed_at, s.completed_at)),
        )


@cache
def statements(dialect: str) -> _Statements:
    return _Statements(dialect)


def write_step_spans(
    connection: Connection, case_id: int, key: str, version_id: int, events: Sequence[dict[str, Any]], *, new_case: bool = False
) -> None:
    """Open, claim, complete and cancel the spans a step's (or a claim's) events touch. `new_case`:
    the case began in this step, so no work or message came before these events (no look-up)."""
    st = statements(connection.dialect.name)

    def last_lane() -> str | None:
        if new_case:
            return None
        # the lane work comes from (engine.spans.rule), or of the sender of a message received since
        work = connection.execute(st.last_lane, {"b_case": case_id}).first()
        before = min((int(e["seq"]) for e in events), default=2**31 - 1)  # this batch's own are fed in order
        message = connection.execute(st.last_message, {"b_case": case_id, "b_before": before}).first()
        if message is not None:
            sender = message_from_lane(json.loads(message.changed_json or "{}"))
            if sender is not None and (work is None or message.seq > work.seq):
                return sender
        return work.lane if work is not None else None

    write_changes(connection, SpanDeriver(key, version_id, last_lane).feed(events))


def write_changes(connection: Connection, changes: SpanChanges) -> None:
    """The span changes on the DB-API cursor (engine.persistence.direct): a step's fixed statements."""
    st = statements(connection.dialect.name)
    st.direct_complete.execute(connection, changes.completed)
    st.direct_cancel.execute(connection, changes.cancelled)
    st.direct_claim.execute(connection, changes.claimed)
    st.direct_insert.execute(connection, list(changes.opened.values()))


def rebuild_spans(connection: Connection, *, process_key: str | None = None, rollups: bool = True) -> int:
    """Recompute the spans of every case (or of one process) from the event log, and then the
    rollups summed from them (engine.rollups; not before migration 0012 made them); returns how many spans."""
    if rollups:
        with bulk_writes(connection, process_key=process_key):
            return rebuild_spans(connection, process_key=process_key, rollups=False)
    cases = select(_CASES.c.id, _CASES.c.process_key, _CASES.c.process_version_id)
    target = delete(SPAN)
    if process_key is not None:
        cases = cases.where(_CASES.c.process_key == process_key)
        target = target.where(SPAN.c.process_key == process_key)
    connection.execute(target)
    owners = {r.id: (r.process_key, r.process_version_id) for r in connection.execute(cases)}
    written = 0
    batch: list[dict[str, Any]] = []
    for case_id, events in _events_by_case(connection, process_key):
        if case_id not in owners:
            continue
        key, version_id = owners[case_id]
        batch.extend(SpanDeriver(key, version_id, lambda: None).feed(events).opened.values())
        if len(batch) >= _BATCH:
            written += _flush(connection, batch)
    written += _flush(connection, batch)
    seconds = statements(connection.dialect.name).seconds
    connection.execute(seconds if process_key is None else seconds.where(SPAN.c.process_key == process_key))
    return written


def _flush(connection: Connection, batch: list[dict[str, Any]]) -> int:
    if batch:
        connection.execute(insert(SPAN), batch)
    n = len(batch)
    batch.clear()
    return n


def _events_by_case(connection: Connection, process_key: str | None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    e = _EVENTS.c
    stmt = select(
        e.case_id, e.seq, e.at, e.lifecycle, e.element_id, e.element_name, e.element_type, e.lane, e.task_id, e.changed_json
    ).where(or_(and_(e.task_id.is_not(None), e.lifecycle.in_(_SPAN_EVENTS)), e.lifecycle == Lifecycle.MESSAGE_RECEIVED.value))
    if process_key is not None:
        stmt = stmt.join(_CASES, _CASES.c.id == e.case_id).where(_CASES.c.process_key == process_key)
    current: int | None = None
    events: list[dict[str, Any]] = []
    # options on the statement: Connection.execution_options would stream every later statement too
    for row in connection.execute(stmt.order_by(e.case_id, e.seq).execution_options(stream_results=True, yield_per=_BATCH)):
        if row.case_id != current:
            if current is not None:
                yield current, events
            current, events = row.case_id, []
        events.append(row._asdict())
    if current is not None:
        yield current, events
