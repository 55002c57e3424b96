"""Read models on SQLAlchemy ("views" in cosmicpython's words), over the use case's session: the
stored case and task rows the rules and views read (engine.persistence.ports.CaseReads), the cases
a message may be for (MessageReads), and what the consistency checks read (ConsistencyReads)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from engine.model import CaseStatus
from engine.persistence.direct import DirectStatement
from engine.persistence.ports import StoredCase, StoredEventRow, StoredTask, TaskInCase
from engine.persistence.tables import (
    READY_STATE,
    CaseCorrelationRecord,
    CaseRecord,
    CaseTaskRecord,
    EventRecord,
    is_ready_user_task,
    table_of,
)
from engine.runtime.case_state import TOP

_CASES, _TASKS = table_of(CaseRecord), table_of(CaseTaskRecord)
_CASE_ROW = select(*(_CASES.c[f.name] for f in fields(StoredCase))).where(_CASES.c.id == bindparam("case_id"))
_TASK_COLUMNS = tuple(_TASKS.c[f.name] for f in fields(StoredTask))
# built once, read on the DB-API cursor (engine.persistence.direct): every claim reads a task's
# view; of its case only the version and, for a task of a subworkflow, the header (row_scope reads
# the called process's name), never the data
_TASK_IN = DirectStatement(
    select(
        *_TASK_COLUMNS,
        _CASES.c.process_version_id,
        sql_case((_TASKS.c.workflow_id != TOP, _CASES.c.header_json), else_=None).label("header_json"),
    )
    .join_from(_TASKS, _CASES, _CASES.c.id == _TASKS.c.case_id)
    .where(_TASKS.c.task_id == bindparam("task_id"), _TASKS.c.manual.is_(True))
)
_TASK_WIDTH = len(_TASK_COLUMNS)
# every server process asks this every tick of its timer loop (KAPULA_TICK_SECONDS): built once,
# on the cursor; a round that found nothing cost 0.8 ms of CPU, most of it SQLAlchemy's (issue 14)
_TIMERS_DUE = DirectStatement(
    select(_CASES.c.id)
    .where(_CASES.c.status == CaseStatus.RUNNING.value, _CASES.c.next_timer_due <= bindparam("now"))
    .order_by(_CASES.c.next_timer_due, _CASES.c.id)
    .limit(bindparam("limit"))
)


def _user_tasks_in(state: int) -> ColumnElement[bool]:
    """Manual tasks in `state`; the ready ones said as ix_case_task_ready's condition, so SQLite reads along it."""
    if state == READY_STATE:
        return is_ready_user_task(_TASKS.c.state, _TASKS.c.manual)
    return and_(_TASKS.c.state == state, _TASKS.c.manual.is_(True))


class SqlCaseReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def row(self, case_id: int) -> StoredCase | None:
        found = self._session.connection().execute(_CASE_ROW, {"case_id": case_id}).first()
        return StoredCase(*found) if found is not None else None

    def ids_of(self, process_key: str) -> list[int]:
        return list(
            self._session.connection().scalars(
                select(_CASES.c.id).where(_CASES.c.process_key == process_key).order_by(_CASES.c.id)
            )
        )

    def on_version(self, process_version_id: int, *, statuses: Sequence[str], among: Iterable[int] | None = None) -> list[int]:
        query = (
            select(_CASES.c.id)
            .where(_CASES.c.process_version_id == process_version_id, _CASES.c.status.in_(list(statuses)))
            .order_by(_CASES.c.id)
        )
        if among is not None:
            query = query.where(_CASES.c.id.in_(list(among)))
        return list(self._session.connection().scalars(query))

    def timers_due(self, now: datetime, *, limit: int) -> list[int]:
        return [row.id for row in _TIMERS_DUE.all(self._session.connection(), {"now": now, "limit": limit})]

    def user_tasks(self, case_id: int, state: int) -> list[StoredTask]:
        rows = self._session.connection().execute(
            select(*_TASK_COLUMNS).where(_TASKS.c.case_id == case_id, _user_tasks_in(state)).order_by(_TASKS.c.ordinal)
        )
        return [StoredTask(*r) for r in rows]

    def task(self, task_id: str) -> StoredTask | None:
        found = self._session.connection().execute(select(*_TASK_COLUMNS).where(_TASKS.c.task_id == task_id)).first()
        return StoredTask(*found) if found is not None else None

    def user_task_in(self, task_id: str) -> TaskInCase | None:
        row = _TASK_IN.first(self._session.connection(), {"task_id": task_id})
        if row is None:
            return None
        return TaskInCase(StoredTask(*row[:_TASK_WIDTH]), row[_TASK_WIDTH], row[_TASK_WIDTH + 1])

    def case_of_task(self, task_id: str) -> int | None:
        found: Any = self._session.connection().scalar(select(_TASKS.c.case_id).where(_TASKS.c.task_id == task_id).limit(1))
        return int(found) if found is not None else None


def _waits_for(name: str) -> ColumnElement[bool]:
    """A running case whose stored waits name message `name`, as text (the index; confirmed by the caller)."""
    c = CaseRecord
    return and_(c.status == CaseStatus.RUNNING.value, c.waiting_json.contains(f'"message": {json.dumps(name)}', autoescape=True))


class SqlMessageReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def correlated(self, name: str, keys: Sequence[str]) -> list[tuple[int, str, str, str | None]]:
        cr, c = CaseCorrelationRecord, CaseRecord
        rows = self._session.connection().execute(
            select(cr.case_id, cr.key, cr.value, c.waiting_json)
            .join(c, c.id == cr.case_id)
            .where(cr.key.in_(list(keys)), _waits_for(name))
            .order_by(cr.case_id, cr.key)
        )
        return [(case_id, key, value, waits) for case_id, key, value, waits in rows]

    def waiting(self, key: str, name: str, *, values: dict[str, str], conversation: str | None) -> dict[int, str | None]:
        c, cr = CaseRecord, CaseCorrelationRecord
        base = select(c.id, c.waiting_json).where(_waits_for(name), c.process_key == key)
        queries = []
        if values:
            pairs = [and_(cr.key == k, cr.value == v) for k, v in values.items()]
            queries.append(base.where(c.id.in_(select(cr.case_id).where(or_(*pairs)))))
            if conversation is not None:
                keyed = select(cr.case_id).where(cr.key.in_(list(values)))
                queries.append(base.where(c.conversation_id == conversation, c.id.not_in(keyed)))
        elif conversation is not None:
            queries.append(base.where(c.conversation_id == conversation))
        found: dict[int, str | None] = {}
        for query in queries:
            for case_id, waits in self._session.connection().execute(query.order_by(c.id)):
                found.setdefault(case_id, waits)
        return found


class SqlConsistencyReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def case_ids(self) -> list[int]:
        return list(self._session.connection().scalars(select(CaseRecord.id).order_by(CaseRecord.id)))

    def case_rows(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        rows = self._session.connection().execute(
            select(CaseRecord.id, CaseRecord.status, CaseRecord.last_event_seq).where(CaseRecord.id.in_(list(ids)))
        )
        return {r.id: (r.status, r.last_event_seq) for r in rows}

    def event_rows(self, ids: Sequence[int]) -> list[StoredEventRow]:
        rows = self._session.connection().execute(
            select(EventRecord.case_id, EventRecord.seq, EventRecord.lifecycle, EventRecord.task_id, EventRecord.element_type)
            .where(EventRecord.case_id.in_(list(ids)))
            .order_by(EventRecord.case_id, EventRecord.seq)
        )
        return [StoredEventRow(*r) for r in rows]

    def user_task_states(self, ids: Sequence[int]) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {}
        rows = self._session.connection().execute(
            select(CaseTaskRecord.case_id, CaseTaskRecord.task_id, CaseTaskRecord.state).where(
                CaseTaskRecord.case_id.in_(list(ids)), CaseTaskRecord.manual.is_(True)
            )
        )
        for case_id, task_id, state in rows:
            found.setdefault(case_id, {})[task_id] = state
        return found
