"""The unit of work on SQLAlchemy: the repositories of engine.persistence.ports over the use case's
session (its transaction is the use case's own). All their SQL is here and in sql_directory.py,
sql_credentials.py, sql_erasure.py, sql_incidents.py, sql_versions.py, sql_cases.py (over
engine.case_store) and the read models' sql_listing.py and sql_reads.py."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from sqlalchemy import CursorResult, Row, bindparam, event, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.access.access_log import AccessEntry
from engine.access.principal_cache import forget_all
from engine.case_store import CaseStore
from engine.errors import ConflictError, NotFoundError
from engine.model import CaseNote, CaseStatus, Event, Lifecycle
from engine.persistence.direct import DirectStatement
from engine.persistence.ports import UserTaskRow
from engine.persistence.sql_buffer import SqlMessageBuffer
from engine.persistence.sql_cases import SqlCaseRepository
from engine.persistence.sql_credentials import SqlCredentialRepository, SqlSettingRepository
from engine.persistence.sql_directory import SqlDirectoryRepository
from engine.persistence.sql_erasure import SqlErasureRepository
from engine.persistence.sql_incidents import SqlIncidentRepository
from engine.persistence.sql_listing import SqlListingReads
from engine.persistence.sql_reads import SqlCaseReads, SqlConsistencyReads, SqlMessageReads
from engine.persistence.sql_versions import SqlVersionRepository
from engine.persistence.tables import (
    AccessLogRecord,
    CaseRecord,
    CaseTaskRecord,
    EventRecord,
    OrganisationRecord,
    ProcessOwnerRecord,
    ProcessVersionRecord,
    TaskSpanRecord,
    is_claim_event,
    table_of,
)
from engine.runtime.states import READY
from engine.spans.store import write_step_spans


class SqlOwnerRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def owners(self, keys: Iterable[str]) -> dict[str, str | None]:
        wanted = list(dict.fromkeys(keys))
        rows = self._session.execute(
            select(ProcessOwnerRecord.process_key, OrganisationRecord.name)
            .join(OrganisationRecord, OrganisationRecord.id == ProcessOwnerRecord.organisation_id)
            .where(ProcessOwnerRecord.process_key.in_(wanted))
        ).all()
        found = {key: name for key, name in rows}
        return {key: found.get(key) for key in wanted}

    def deployed(self, keys: Iterable[str]) -> set[str]:
        query = select(ProcessVersionRecord.key).where(ProcessVersionRecord.key.in_(list(keys))).distinct()
        return set(self._session.scalars(query))

    def organisations(self) -> list[str]:
        return list(self._session.scalars(select(OrganisationRecord.name).order_by(OrganisationRecord.name)))

    def claim(self, keys: Sequence[str], organisation: str) -> None:
        org_id = self._session.scalars(select(OrganisationRecord.id).where(OrganisationRecord.name == organisation)).first()
        if org_id is None:
            raise NotFoundError("organisation", organisation)
        if not keys:
            return
        try:
            # a savepoint, so the failed INSERT leaves the use case's transaction usable for its refusal
            with self._session.begin_nested():
                self._session.execute(insert(ProcessOwnerRecord), [{"process_key": k, "organisation_id": org_id} for k in keys])
            # the owners' principals carry their processes: forget the kept ones once this commits
            event.listen(self._session, "after_commit", _forget_principals, once=True)
        except IntegrityError as exc:
            raise ConflictError(
                f"another upload of {', '.join(keys)} was stored at the same moment; nothing of this upload was stored"
            ) from exc


def _forget_principals(_session: Session) -> None:
    forget_all()


_ORIGIN_MAX = 500
_REASON_MAX = 500
_TASK_ID_MAX = 36
_KEY_MAX = 255
_LOG_INSERT = DirectStatement(insert(AccessLogRecord))  # on the cursor: every checked step writes one


class SqlAccessLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entries: Sequence[AccessEntry]) -> None:
        rows = [
            {
                "at": e.at,
                "user_name": e.user[:_KEY_MAX],
                "case_id": e.case_id,
                "action": e.action,
                "task_id": e.task_id[:_TASK_ID_MAX] if e.task_id else None,
                "origin": e.origin[:_ORIGIN_MAX] if e.origin else None,
                "process_key": e.process_key[:_KEY_MAX] if e.process_key else None,
                "refused": e.refused[:_REASON_MAX] if e.refused else None,
                "reason": e.reason[:_REASON_MAX] if e.reason else None,
            }
            for e in entries
        ]
        if rows:
            _LOG_INSERT.execute(self._session.connection(), rows)

    def entries(
        self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None, limit: int = 1000
    ) -> list[AccessEntry]:
        query = select(AccessLogRecord).order_by(AccessLogRecord.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(AccessLogRecord.case_id == case_id)
        if user is not None:
            query = query.where(AccessLogRecord.user_name == user)
        if refused is not None:
            query = query.where(AccessLogRecord.refused.is_not(None) if refused else AccessLogRecord.refused.is_(None))
        records = self._session.scalars(query).all()
        return [
            AccessEntry(r.at, r.user_name, r.case_id, r.action, r.task_id, r.origin, r.process_key, r.refused, r.reason)
            for r in reversed(records)
        ]

    def notes(self, case_id: int) -> tuple[CaseNote, ...]:
        rows = self._session.scalars(
            select(AccessLogRecord)
            .where(
                AccessLogRecord.case_id == case_id,
                AccessLogRecord.action.in_(("cancel", "erase")),
                AccessLogRecord.refused.is_(None),
                AccessLogRecord.reason.is_not(None),
            )
            .order_by(AccessLogRecord.id)
        )
        return tuple(CaseNote(r.at, r.user_name, r.action, r.reason or "") for r in rows)

    def erase_reasons(self, case_id: int, marker: str) -> int:
        log = AccessLogRecord
        # the ORM's update, so entries this session has read show the marker too
        done = self._session.execute(
            update(log).where(log.case_id == case_id, log.reason.is_not(None), log.reason != marker).values(reason=marker)
        )
        return int(cast("CursorResult[Any]", done).rowcount)


_T, _C, _E = CaseTaskRecord.__table__.c, CaseRecord.__table__.c, EventRecord.__table__.c
_S = TaskSpanRecord.__table__.c
# built once, read on the DB-API cursor (engine.persistence.direct): every checked step reads a
# user task's row (building the statement per call cost more than running it, and SQLAlchemy's
# execution of a prebuilt one more than SQLite's, issue 14)
_USER_TASK = DirectStatement(
    select(
        _T.task_id,
        _T.element_id,
        _T.lane,
        _T.state,
        _C.id,
        _C.process_key,
        _C.process_version_id,
        _C.status,
        _C.row_version,
        _C.last_event_seq,
    )
    .join_from(CaseTaskRecord.__table__, CaseRecord.__table__, _C.id == _T.case_id)
    .where(_T.task_id == bindparam("task_id"), _T.manual.is_(True))
)
_HOLDERS = (
    select(_E.task_id, _E.lifecycle, _E.user_name)
    .where(_E.task_id.in_(bindparam("task_ids", expanding=True)), is_claim_event(_E.lifecycle))
    .order_by(_E.case_id, _E.seq)
)
# one task's holder, the claim rule's read on every checked completion: on the cursor (IN with
# one value: the same statement as _HOLDERS gives for one task)
_HOLDER = DirectStatement(
    select(_E.task_id, _E.lifecycle, _E.user_name)
    .where(_E.task_id.in_([bindparam("task_id")]), is_claim_event(_E.lifecycle))
    .order_by(_E.case_id, _E.seq)
)
# a claim's write, on the DB-API cursor (engine.persistence.direct): as ORM statements they cost a
# claim more than a completion's whole step (issue 14)
# the task's name and type as its ready event gave them, from its span (the event log has no index
# by task for ready events: ix_event_claims holds the claims only)
_READIED = DirectStatement(
    select(_S.element_name, _S.element_type).where(_S.case_id == bindparam("case_id"), _S.task_id == bindparam("task_id"))
)
_CLAIM_BUMP = DirectStatement(
    update(table_of(CaseRecord))
    .where(_C.id == bindparam("b_id"), _C.row_version == bindparam("b_read"))
    .values(row_version=bindparam("b_version"), last_event_seq=bindparam("b_seq"))
)
_INSERT_EVENT = DirectStatement(insert(table_of(EventRecord)))


class SqlClaimRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def user_task(self, task_id: str) -> UserTaskRow | None:
        row = _USER_TASK.first(self._session.connection(), {"task_id": task_id})
        if row is None:
            return None
        ready = row.status == CaseStatus.RUNNING.value and row.state == READY
        return UserTaskRow(
            row.task_id,
            row.id,
            row.process_key,
            row.process_version_id,
            row.element_id,
            row.lane,
            ready,
            row.row_version,
            row.last_event_seq,
            row.status,
        )

    def holders(self, task_ids: Sequence[str]) -> dict[str, str]:
        if not task_ids:
            return {}
        connection = self._session.connection()
        rows: Sequence[Any]
        if len(task_ids) == 1:
            rows = _HOLDER.all(connection, {"task_id": task_ids[0]})
        else:
            rows = connection.execute(_HOLDERS, {"task_ids": list(task_ids)}).all()
        holders: dict[str, str] = {}
        for task_id, lifecycle, user in rows:
            if task_id is None:  # never: the query asks for these ids (the column is nullable for other events)
                continue
            if lifecycle == Lifecycle.TASK_CLAIMED.value and user is not None:
                holders[task_id] = user
            else:
                holders.pop(task_id, None)
        return holders

    def record(self, task: UserTaskRow, *, user: str, claim: bool, at: datetime) -> None:
        connection = self._session.connection()
        seq = task.last_event_seq + 1
        bumped = _CLAIM_BUMP.execute(
            connection, {"b_id": task.case_id, "b_read": task.row_version, "b_version": task.row_version + 1, "b_seq": seq}
        )
        if bumped != 1:
            raise ConflictError(
                f"case {task.case_id} was changed by someone else; nothing was saved, reload and try again", case_id=task.case_id
            )
        readied = _READIED.first(connection, {"case_id": task.case_id, "task_id": task.task_id})
        row = {
            "case_id": task.case_id,
            "seq": seq,
            "at": at,
            "lifecycle": (Lifecycle.TASK_CLAIMED if claim else Lifecycle.TASK_UNCLAIMED).value,
            "element_id": task.element_id,
            "element_name": readied.element_name if readied else None,
            "element_type": readied.element_type if readied else None,
            "lane": task.lane,
            "user_name": user,
            "task_id": task.task_id,
            "changed_json": "{}",
        }
        _INSERT_EVENT.execute(connection, row)
        if claim:
            write_step_spans(connection, task.case_id, task.process_key, task.process_version_id, [row])


# what the access rules read of a case's log (policy.takes_part): who started it and which lanes it
# reached — the start event and the first event of each lane, not the whole log, whose length grows
# with every round of a loop (a step at round 600 spent 90% of its time reading it)
_CASE_EVENTS = DirectStatement(select(*_E).where(_E.case_id == bindparam("case_id")).order_by(_E.seq))
_FIRST_OF_EACH_LANE = select(func.min(_E.seq)).where(_E.case_id == bindparam("case_id"), _E.lane.is_not(None)).group_by(_E.lane)
_ACCESS_EVENTS = DirectStatement(
    select(*_E)
    .where(
        _E.case_id == bindparam("case_id"),
        or_(_E.lifecycle == Lifecycle.CASE_STARTED.value, _E.seq.in_(_FIRST_OF_EACH_LANE.scalar_subquery())),
    )
    .order_by(_E.seq)
)


def to_event(record: EventRecord | Row[Any] | Any) -> Event:
    """An event row (an EventRecord, a Core row or a DirectStatement's row of the event table's
    columns) as an Event."""
    return Event(
        case_id=record.case_id,
        seq=record.seq,
        at=record.at,
        lifecycle=Lifecycle(record.lifecycle),
        element_id=record.element_id,
        element_name=record.element_name,
        element_type=record.element_type,
        lane=record.lane,
        user=record.user_name,
        task_id=record.task_id,
        changed=json.loads(record.changed_json or "{}"),
    )


class SqlEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def of_case(self, case_id: int) -> list[Event]:
        return [to_event(r) for r in _CASE_EVENTS.all(self._session.connection(), {"case_id": case_id})]

    def for_access(self, case_id: int) -> list[Event]:
        return [to_event(r) for r in _ACCESS_EVENTS.all(self._session.connection(), {"case_id": case_id})]


class SqlUnitOfWork:
    """The repositories over one session; the session's transaction is the unit. Each repository
    is made when first used (a step uses two or three of them). `store`: the case store whose
    load and save the cases' repository runs (engine.services pass theirs)."""

    def __init__(self, session: Session, *, store: CaseStore | None = None) -> None:
        self._session = session
        self._store = store

    @cached_property
    def owners(self) -> SqlOwnerRepository:
        return SqlOwnerRepository(self._session)

    @cached_property
    def access_log(self) -> SqlAccessLog:
        return SqlAccessLog(self._session)

    @cached_property
    def claims(self) -> SqlClaimRepository:
        return SqlClaimRepository(self._session)

    @cached_property
    def events(self) -> SqlEventRepository:
        return SqlEventRepository(self._session)

    @cached_property
    def directory(self) -> SqlDirectoryRepository:
        return SqlDirectoryRepository(self._session)

    @cached_property
    def versions(self) -> SqlVersionRepository:
        return SqlVersionRepository(self._session)

    @cached_property
    def credentials(self) -> SqlCredentialRepository:
        return SqlCredentialRepository(self._session, self.directory)

    @cached_property
    def settings(self) -> SqlSettingRepository:
        return SqlSettingRepository(self._session)

    @cached_property
    def erasure(self) -> SqlErasureRepository:
        return SqlErasureRepository(self._session)

    @cached_property
    def consistency(self) -> SqlConsistencyReads:
        return SqlConsistencyReads(self._session)

    @cached_property
    def case_reads(self) -> SqlCaseReads:
        return SqlCaseReads(self._session)

    @cached_property
    def incidents(self) -> SqlIncidentRepository:
        return SqlIncidentRepository(self._session)

    @cached_property
    def messages(self) -> SqlMessageReads:
        return SqlMessageReads(self._session)

    @cached_property
    def buffer(self) -> SqlMessageBuffer:
        return SqlMessageBuffer(self._session)

    @cached_property
    def listing(self) -> SqlListingReads:
        return SqlListingReads(self._session)

    @cached_property
    def cases(self) -> SqlCaseRepository:
        if self._store is None:
            raise TypeError("this unit of work was opened without the case store: SqlUnitOfWork(session, store=…)")
        return SqlCaseRepository(self._session, self._store)
