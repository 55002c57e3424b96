"""The access log: every read or change of a case by a user, and every refused attempt, appended
and never rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.persistence.direct import DirectStatement
from engine.persistence.tables import AccessLogRecord

_ORIGIN_MAX = 500
_REASON_MAX = 500
_TASK_ID_MAX = 36
_KEY_MAX = 255
_INSERT = DirectStatement(insert(AccessLogRecord))  # on the cursor: every checked step writes one


@dataclass(frozen=True)
class AccessEntry:
    """One access: `action` is read, read_history, list, start, claim, unclaim, complete, cancel,
    erase, export, deploy, …; `refused` says why it was refused (None: it was done). `case_id` is
    None for what concerns no single case (an upload, a refused look-up of a process)."""

    at: datetime
    user: str
    case_id: int | None
    action: str
    task_id: str | None = None
    origin: str | None = None
    process_key: str | None = None
    refused: str | None = None
    reason: str | None = None  # why the user did it, where the action asks (cancel, erase)


def write_entries(session: Session, entries: Iterable[AccessEntry]) -> None:
    """Append entries in the caller's transaction (the step's own, so a step and its entry commit
    or roll back together). Long texts are cut to the columns' sizes."""
    rows = [
        {
            "at": e.at, "user_name": e.user[:_KEY_MAX], "case_id": e.case_id, "action": e.action,
            "task_id": e.task_id[:_TASK_ID_MAX] if e.task_id else None,
            "origin": e.origin[:_ORIGIN_MAX] if e.origin else None,
            "process_key": e.process_key[:_KEY_MAX] if e.process_key else None,
            "refused": e.refused[:_REASON_MAX] if e.refused else None,
            "reason": e.reason[:_REASON_MAX] if e.reason else None,
        }
        for e in entries
    ]
    if rows:
        _INSERT.execute(session.connection(), rows)


class AccessLog:
    """Appends entries in their own transaction and lists them, oldest first."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def record(self, user: str, case_ids: Iterable[int], action: str, *, task_id: str | None = None,
               origin: str | None = None) -> None:
        """One entry per case, all at the same instant, in a transaction of their own."""
        at = self._clock.now()
        entries = [AccessEntry(at, user, case_id, action, task_id, origin) for case_id in case_ids]
        if entries:
            with self._sessions.begin() as session:
                write_entries(session, entries)

    def entries(self, *, case_id: int | None = None, user: str | None = None, refused: bool | None = None,
                limit: int = 1000) -> list[AccessEntry]:
        """The latest `limit` entries, of one case and/or one user if given (only refusals with
        `refused=True`, none with False), oldest first."""
        query = select(AccessLogRecord).order_by(AccessLogRecord.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(AccessLogRecord.case_id == case_id)
        if user is not None:
            query = query.where(AccessLogRecord.user_name == user)
        if refused is not None:
            query = query.where(AccessLogRecord.refused.is_not(None) if refused else AccessLogRecord.refused.is_(None))
        with self._sessions() as session:
            records = session.scalars(query).all()
        return [AccessEntry(r.at, r.user_name, r.case_id, r.action, r.task_id, r.origin, r.process_key, r.refused,
                            r.reason)
                for r in reversed(records)]
