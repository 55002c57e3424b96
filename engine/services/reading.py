"""Reading cases, tasks and a case's event log.

Called with a `Caller`, each read checks the access rules in its read transaction and enters every
case it returns in the access log (in a short write transaction of its own, before the answer is
returned: readers take no write lock, see `ServiceBase._audit`). Lists are narrowed to what the
caller may see; a single item the caller may not see is refused (AccessDeniedError, logged).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import claims, history
from engine.access import policy
from engine.access.access_log import AccessEntry
from engine.errors import NotFoundError
from engine.model import CaseStatus, CaseTimeline, CaseView, Event, Handoff, StageDuration, TaskView
from engine.services.gate import Caller, CaseFacts, check, entry
from engine.services.shared import ServiceBase


class ReadingUseCases(ServiceBase):
    """Reading cases, tasks and a case's event log."""

    def get_case(self, case_id: int, *, caller: Caller | None = None) -> CaseView:
        """The case with its ready tasks. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            case = self._case_view(session, case_id)
            if caller is not None:
                self._check_case(session, caller, case_id, case.process_key, "read", CaseFacts(self._unit(session)))
        if caller is not None:
            self._audit([entry(caller, "read", self._clock.now(), case_id=case_id)])
        return self._as_seen(caller, case)

    def cases(
        self, *, process_key: str | None = None, status: CaseStatus | None = None, caller: Caller | None = None
    ) -> list[CaseView]:
        """Cases, newest first, filtered by process key and status (and to the caller's: the rule
        policy.takes_part as an SQL condition, ListingReads.case_ids). One page of them, sorted and
        filtered further: `case_list`."""
        with self._transaction(read=True) as session:
            ids = self._unit(session).listing.case_ids(
                process_key=process_key, status=status, principal=caller.principal if caller is not None else None
            )
            found = [self._case_view(session, i) for i in ids]
        if caller is not None:
            # the list carries each case's data, so each listed case was read
            now = self._clock.now()
            self._audit([entry(caller, "list", now, case_id=c.id) for c in found])
        return [self._as_seen(caller, c) for c in found]

    def history(self, case_id: int, *, caller: Caller | None = None) -> list[Event]:
        """The case's event log, oldest first. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            record = self._unit(session).case_reads.row(case_id)
            if record is None:
                raise NotFoundError("case", case_id)
            facts = CaseFacts(self._unit(session))
            events = facts.events(case_id)  # first: the access rules then take what they need from it
            if caller is not None:
                self._check_case(session, caller, case_id, record.process_key, "read_history", facts)
        if caller is not None:
            self._audit([entry(caller, "read_history", self._clock.now(), case_id=case_id)])
        return events

    def timeline(self, case_id: int, *, caller: Caller | None = None) -> CaseTimeline:
        """The case with its events, stage durations, handoffs and lead time, in one read: what its
        page, the API and `kapula history` show. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            case = self._case_view(session, case_id)
            uow = self._unit(session)
            facts = CaseFacts(uow)
            events = facts.events(case_id)  # first: the access rules then take what they need from it
            if caller is not None:
                self._check_case(session, caller, case_id, case.process_key, "read", facts)
            notes = uow.access_log.notes(case_id)
        if caller is not None:
            self._audit([entry(caller, "read", self._clock.now(), case_id=case_id)])
        return history.timeline(self._as_seen(caller, case), events, notes)

    def ready_tasks(
        self, *, lane: str | None = None, case_id: int | None = None, process_key: str | None = None, caller: Caller | None = None
    ) -> list[TaskView]:
        """Ready user tasks, oldest case first, filtered by lane, case or process, and to those the
        caller sees (their lanes; owners: their processes; customers: their own cases: the rule
        policy.sees_task as an SQL condition, ListingReads.ready_tasks). One page: `task_list`."""
        with self._transaction(read=True) as session:
            facts = CaseFacts(self._unit(session))
            if caller is not None and case_id is not None:
                record = self._unit(session).case_reads.row(case_id)
                if record is None:
                    raise NotFoundError("case", case_id)
                self._check_case(session, caller, case_id, record.process_key, "list_tasks", facts)
            found = self._unit(session).listing.ready_tasks(
                lane=lane, case_id=case_id, process_key=process_key, principal=caller.principal if caller is not None else None
            )
            return claims.with_claims(self._unit(session).claims, [self._task_view(session, t.task, t) for t in found])

    def get_task(self, task_id: str, *, caller: Caller | None = None) -> TaskView:
        """One user task (ready or not) with who has claimed it. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            task = self._task_in(session, task_id)
            if caller is not None:
                check(
                    caller,
                    policy.task_refusal(caller.principal, CaseFacts(self._unit(session)).task(task)),
                    "read_task",
                    self._clock.now(),
                    case_id=task.case_id,
                    task_id=task_id,
                )
            return task

    def access_log(
        self,
        *,
        case_id: int | None = None,
        user: str | None = None,
        refused: bool | None = None,
        limit: int = 1000,
        caller: Caller | None = None,
    ) -> list[AccessEntry]:
        """Who read or changed which case, and who was refused what: administrators only.
        Raises NotFoundError (an unknown case), AccessDeniedError."""
        if caller is not None:
            self._check_now(
                caller, policy.admin_refusal(caller.principal, "read the access log"), "read_access_log", case_id=case_id
            )
        with self._reads() as session:
            if case_id is not None and self._unit(session).case_reads.row(case_id) is None:
                raise NotFoundError("case", case_id)
            return self._unit(session).access_log.entries(case_id=case_id, user=user, refused=refused, limit=limit)

    def stage_durations(self, case_id: int) -> list[StageDuration]:
        return history.stage_durations(self.history(case_id))

    def handoffs(self, case_id: int) -> list[Handoff]:
        return history.handoffs(self.history(case_id))

    def case_ids(self, process_key: str) -> list[int]:
        """The ids of every case of `process_key`, oldest first."""
        with self._reads() as session:
            return self._unit(session).case_reads.ids_of(process_key)

    # -- in a use case's session ----------------------------------------------------------------

    def _check_case(
        self, session: Session, caller: Caller, case_id: int, process_key: str, action: str, facts: CaseFacts
    ) -> None:
        reason = policy.case_refusal(caller.principal, case_id, process_key, facts.part_events(caller.principal, case_id))
        check(caller, reason, action, self._clock.now(), case_id=case_id)
