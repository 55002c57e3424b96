"""Who calls a use case, and the access rules and access log inside the use case's transaction.

A use case called with a `Caller` reads what the rules of `engine.access.policy` need in its own
transaction, checks them there, and writes its access-log entry there: the entry commits or rolls
back with the change. A refusal is raised with the entry that records it (`refusal_of`); the
service writes that entry after the use case's transaction rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.access import policy
from engine.access.access_log import AccessEntry
from engine.access.policy import Principal, Role, TaskFacts
from engine.errors import AccessDeniedError, ConflictError, KapulaError
from engine.model import Event, Lifecycle, TaskView
from engine.persistence.ports import UnitOfWork, UserTaskRow

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


def formless(caller: Caller | None) -> bool:
    """Whether a start or task without a form takes `caller`'s data (policy.gives_formless_data;
    in-process callers, None, are trusted code)."""
    return caller is None or policy.gives_formless_data(caller.principal)


def entry(
    caller: Caller,
    action: str,
    at: datetime,
    *,
    case_id: int | None = None,
    task_id: str | None = None,
    process_key: str | None = None,
    refused: str | None = None,
    reason: str | None = None,
) -> AccessEntry:
    return AccessEntry(at, caller.username, case_id, action, task_id, caller.origin, process_key, refused, reason)


def check(
    caller: Caller,
    reason: str | None,
    action: str,
    at: datetime,
    *,
    case_id: int | None = None,
    task_id: str | None = None,
    process_key: str | None = None,
    conflict: bool = False,
) -> None:
    """Raise the refusal when a rule gave a `reason`: AccessDeniedError, or ConflictError for the
    claim rule (`conflict`). The exception carries the access-log entry of the refused attempt."""
    if reason is None:
        return
    exc: KapulaError
    if conflict:
        exc = ConflictError(reason, case_id=case_id, task_id=task_id)
    else:
        exc = AccessDeniedError(f"{caller.username}: {reason}", user=caller.username)
    setattr(exc, _REFUSAL, entry(caller, action, at, case_id=case_id, task_id=task_id, process_key=process_key, refused=reason))
    raise exc


def refusal_of(exc: BaseException) -> AccessEntry | None:
    """The access-log entry a refusal carries, if it is one."""
    found = getattr(exc, _REFUSAL, None)
    return found if isinstance(found, AccessEntry) else None


def started_by_customer(uow: UnitOfWork, events: list[Event]) -> bool:
    """Whether the case's starter is a customer user here (a name that is no user, e.g. "demo", is not)."""
    starter = next((e.user for e in events if e.lifecycle is Lifecycle.CASE_STARTED), None)
    return starter is not None and uow.directory.role(starter) is Role.CUSTOMER


class CaseFacts:
    """The events and starter of the cases one use case looks at, each read once per transaction."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._events: dict[int, list[Event]] = {}
        self._access: dict[int, list[Event]] = {}
        self._by_customer: dict[int, bool] = {}

    def events(self, case_id: int) -> list[Event]:
        if case_id not in self._events:
            self._events[case_id] = self._uow.events.of_case(case_id)
        return self._events[case_id]

    def access_events(self, case_id: int) -> list[Event]:
        """The events the access rules need (policy.takes_part: the start and the lanes reached):
        the case's whole log when it was read already, else the start event and the first event
        of each lane, oldest first."""
        if case_id in self._events:
            return self._events[case_id]
        if case_id not in self._access:
            self._access[case_id] = self._uow.events.for_access(case_id)
        return self._access[case_id]

    def part_events(self, principal: Principal, case_id: int) -> list[Event]:
        """What policy.takes_part (and so policy.case_refusal) needs of the case's log for
        `principal`: nothing for administrators and owners (policy.takes_part_reads_log), else the
        start and each lane's first event (access_events). Never the whole log, which grows with a
        looping case's rounds."""
        return self.access_events(case_id) if policy.takes_part_reads_log(principal) else []

    def task(
        self, task: TaskView | UserTaskRow, claimed_by: str | None = None, *, principal: Principal | None = None
    ) -> TaskFacts:
        """The facts of a task view (with its `claimed_by`) or of a stored user task's row (with
        the holder given, if it was read). With the `principal` the task rules are for, the case's
        log and starter are read only when those rules may look at them (policy.reads_case_log);
        else the facts carry none (no events, not started by a customer)."""
        events: list[Event] = []
        by_customer = False
        if principal is None or policy.reads_case_log(principal, task.process_key, task.lane):
            events = self.access_events(task.case_id)
            if task.case_id not in self._by_customer:
                self._by_customer[task.case_id] = started_by_customer(self._uow, events)
            by_customer = self._by_customer[task.case_id]
        if isinstance(task, TaskView):
            return TaskFacts(task.id, task.case_id, task.process_key, task.lane, events, by_customer, task.claimed_by)
        return TaskFacts(task.task_id, task.case_id, task.process_key, task.lane, events, by_customer, claimed_by)
