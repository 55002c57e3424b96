"""Who calls a use case, and the access rules and access log inside the use case's transaction.

A use case called with a `Caller` reads what the rules of `engine.access.policy` need in its own
transaction, checks them there, and writes its access-log entry there: the entry commits or rolls
back with the change. A refusal is raised with the entry that records it (`refusal_of`); the
service writes that entry after the use case's transaction rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from engine import history
from engine.access.access_log import AccessEntry
from engine.access.policy import Principal, Role, TaskFacts
from engine.errors import AccessDeniedError, ConflictError, KapulaError
from engine.model import Event, Lifecycle, TaskView
from engine.persistence.tables import EventRecord, UserRecord

_REFUSAL = "_kapula_refusal"


@dataclass(frozen=True)
class Caller:
    """Who calls: a signed-in user, an API token's user, or the command line's operator; and from
    where (the request: method, path, client address), for the access log."""

    principal: Principal
    origin: str | None = None

    @property
    def username(self) -> str:
        return self.principal.username


def operator(name: str = "kapula") -> Principal:
    """The command line's operator: an administrator named for the access log (no sign-in)."""
    return Principal(username=name, display_name=name, role=Role.ADMINISTRATOR)


def entry(caller: Caller, action: str, at: datetime, *, case_id: int | None = None, task_id: str | None = None,
          process_key: str | None = None, refused: str | None = None, reason: str | None = None) -> AccessEntry:
    return AccessEntry(at, caller.username, case_id, action, task_id, caller.origin, process_key, refused, reason)


def check(caller: Caller, reason: str | None, action: str, at: datetime, *, case_id: int | None = None,
          task_id: str | None = None, process_key: str | None = None, conflict: bool = False) -> None:
    """Raise the refusal when a rule gave a `reason`: AccessDeniedError, or ConflictError for the
    claim rule (`conflict`). The exception carries the access-log entry of the refused attempt."""
    if reason is None:
        return
    exc: KapulaError
    if conflict:
        exc = ConflictError(reason, case_id=case_id, task_id=task_id)
    else:
        exc = AccessDeniedError(f"{caller.username}: {reason}", user=caller.username)
    setattr(exc, _REFUSAL, entry(caller, action, at, case_id=case_id, task_id=task_id, process_key=process_key,
                                 refused=reason))
    raise exc


def refusal_of(exc: BaseException) -> AccessEntry | None:
    """The access-log entry a refusal carries, if it is one."""
    found = getattr(exc, _REFUSAL, None)
    return found if isinstance(found, AccessEntry) else None


_EVENTS = EventRecord.__table__
# built once, read with Core (rows, not ORM objects): every checked step reads the case's log
_CASE_EVENTS = select(*_EVENTS.c).where(_EVENTS.c.case_id == bindparam("case_id")).order_by(_EVENTS.c.seq)
_ROLE = select(UserRecord.role).where(UserRecord.username == bindparam("username"))
# what the access rules read of a case's log (policy.takes_part): who started it and which lanes it
# reached — the start event and the first event of each lane, not the whole log, whose length grows
# with every round of a loop (a step at round 600 spent 90% of its time reading it)
_FIRST_OF_EACH_LANE = (
    select(func.min(_EVENTS.c.seq))
    .where(_EVENTS.c.case_id == bindparam("case_id"), _EVENTS.c.lane.is_not(None))
    .group_by(_EVENTS.c.lane)
)
_ACCESS_EVENTS = (
    select(*_EVENTS.c)
    .where(_EVENTS.c.case_id == bindparam("case_id"),
           or_(_EVENTS.c.lifecycle == Lifecycle.CASE_STARTED.value, _EVENTS.c.seq.in_(_FIRST_OF_EACH_LANE.scalar_subquery())))
    .order_by(_EVENTS.c.seq)
)


def case_events(session: Session, case_id: int) -> list[Event]:
    rows = session.connection().execute(_CASE_EVENTS, {"case_id": case_id})
    return [history.to_event(r) for r in rows]


def started_by_customer(session: Session, events: list[Event]) -> bool:
    """Whether the case's starter is a customer user here (a name that is no user, e.g. "demo", is not)."""
    starter = next((e.user for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)
    if starter is None:
        return False
    role = session.connection().execute(_ROLE, {"username": starter}).scalar()
    return role == Role.CUSTOMER.value


class CaseFacts:
    """The events and starter of the cases one use case looks at, each read once per transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._events: dict[int, list[Event]] = {}
        self._access: dict[int, list[Event]] = {}
        self._by_customer: dict[int, bool] = {}

    def events(self, case_id: int) -> list[Event]:
        if case_id not in self._events:
            self._events[case_id] = case_events(self._session, case_id)
        return self._events[case_id]

    def access_events(self, case_id: int) -> list[Event]:
        """The events the access rules need (policy.takes_part: the start and the lanes reached):
        the case's whole log when it was read already, else the start event and the first event
        of each lane, oldest first."""
        if case_id in self._events:
            return self._events[case_id]
        if case_id not in self._access:
            rows = self._session.connection().execute(_ACCESS_EVENTS, {"case_id": case_id})
            self._access[case_id] = [history.to_event(r) for r in rows]
        return self._access[case_id]

    def task(self, task: TaskView) -> TaskFacts:
        events = self.access_events(task.case_id)
        if task.case_id not in self._by_customer:
            self._by_customer[task.case_id] = started_by_customer(self._session, events)
        return TaskFacts(task.id, task.case_id, task.process_key, task.lane, events,
                         self._by_customer[task.case_id], task.claimed_by)
