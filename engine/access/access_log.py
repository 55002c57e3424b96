"""The access log: every read or change of a case by a user, appended and never rewritten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from engine.clock import Clock
from engine.persistence.tables import AccessLogRecord

_ORIGIN_MAX = 500


@dataclass(frozen=True)
class AccessEntry:
    """One access: `action` is read, read_history, list, start, claim, unclaim, complete, cancel or erase."""

    at: datetime
    user: str
    case_id: int
    action: str
    task_id: str | None = None
    origin: str | None = None


class AccessLog:
    """Appends entries in their own transaction and lists them, oldest first."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def record(self, user: str, case_ids: Iterable[int], action: str, *, task_id: str | None = None,
               origin: str | None = None) -> None:
        """One entry per case, all at the same instant."""
        at = self._clock.now()
        rows = [{"at": at, "user_name": user, "case_id": case_id, "action": action, "task_id": task_id,
                 "origin": origin[:_ORIGIN_MAX] if origin else None} for case_id in case_ids]
        if not rows:
            return
        with self._sessions.begin() as session:
            session.execute(insert(AccessLogRecord), rows)

    def entries(self, *, case_id: int | None = None, user: str | None = None, limit: int = 1000) -> list[AccessEntry]:
        """The latest `limit` entries, of one case and/or one user if given, oldest first."""
        query = select(AccessLogRecord).order_by(AccessLogRecord.id.desc()).limit(limit)
        if case_id is not None:
            query = query.where(AccessLogRecord.case_id == case_id)
        if user is not None:
            query = query.where(AccessLogRecord.user_name == user)
        with self._sessions() as session:
            records = session.scalars(query).all()
        return [AccessEntry(r.at, r.user_name, r.case_id, r.action, r.task_id, r.origin) for r in reversed(records)]
