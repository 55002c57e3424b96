"""Unattended steps: firing due timers case by case, and retrying a case whose such step failed.

Each due case fires in its own transaction, its step in a savepoint: when the step fails, the
savepoint rolls back and the same transaction records the failure on the case (engine.incidents),
so one case's failure never stops the round, and a failed case leaves the round's query (it is no
longer `running`) instead of sorting first every time. A retry runs the failed step again from the
case as it was stored, with fixed data if given, or after the case moved to a fixed version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.access import policy
from engine.case_store import SavedStep, StepContext
from engine.errors import CaseStepError, ConflictError, NotFoundError, UnavailableError
from engine.model import CaseStatus, CaseView, Incident
from engine.runtime import stepping
from engine.services.gate import Caller, CaseFacts, check, entry
from engine.services.kept_messages import KeptHandoffFailed, without_failing_handoffs
from engine.services.kept_rounds import KeptRounds
from engine.services.routing import Delivery
from engine.services.shared import check_data

log = logging.getLogger("kapula.timers")

# expired kept messages deleted per transaction, and at most per round (the rest go in the next
# round): short transactions that hold few row locks, a round that stays short after a backlog
PURGE_BATCH = 500
PURGE_MAX = 20 * PURGE_BATCH


@dataclass(frozen=True)
class TimerRound:
    """What one round of due timers did: cases moved on, cases whose step failed (each now
    `failed` with an incident), kept messages handed to cases already waiting for them, cases that
    failed on a kept message (each `failed` with an incident naming it), and expired kept
    messages deleted."""

    moved: int
    failed: tuple[int, ...] = ()
    messages_expired: int = 0
    messages_handed: int = 0
    failed_on_messages: tuple[int, ...] = ()


class IncidentUseCases(KeptRounds):
    """Firing due timers, each case on its own; retrying failed steps; reading incidents."""

    def fire_due_timers(self, *, limit: int = 500) -> int:
        """Fire the timers that are due by the clock, then hand the kept messages to the cases that
        already wait for them (engine.services.kept_rounds), then delete the expired ones; returns
        how many cases moved by their timers. A case whose step fails is recorded as failed with an
        incident, and the round goes on with the others.
        Raises UnavailableError when the database is away (the next round tries again)."""
        return self.fire_due_timers_round(limit=limit).moved

    def fire_due_timers_round(self, *, limit: int = 500) -> TimerRound:
        """One round of due timers, earliest due first (at most `limit` cases), then the kept messages
        handed over and the expired ones deleted: see fire_due_timers."""
        now = self._clock.now()
        with self._reads() as session:
            due = self._unit(session).case_reads.timers_due(now, limit=limit)
        moved, failed = 0, []
        for case_id in due:
            try:
                outcome = self._fire_case(case_id, now)
            except ConflictError:
                continue  # another process stepped this case first; it will see the timer itself
            except UnavailableError:
                raise
            except Exception:  # a fault in recording the failure: this case waits for the next round
                self._store.cache.discard(case_id)
                log.exception("case %s: its due timer could not be fired or recorded as failed", case_id)
                continue
            if outcome is True:
                moved += 1
            elif outcome is False:
                failed.append(case_id)
        handovers = self._hand_over_kept_messages(now)
        purged = self._purge_expired_messages(now)
        return TimerRound(moved, tuple(failed), purged, handovers.handed, handovers.failed)

    def _purge_expired_messages(self, now: datetime) -> int:
        """Delete the kept messages expired at `now` (never handed over any more: ADR 0008), in
        batches of PURGE_BATCH, at most PURGE_MAX a round; how many went. A failure is logged and
        left to the next round: the timers' round stands."""
        purged = 0
        try:
            while purged < PURGE_MAX:
                with self._in_unit() as uow:
                    deleted = uow.buffer.purge_expired(now=now, limit=PURGE_BATCH)
                purged += deleted
                if deleted < PURGE_BATCH:
                    break
        except UnavailableError:
            raise
        except Exception:
            log.exception("expired kept messages could not be deleted; the next round tries again")
        if purged:
            log.info("%d expired kept message(s) deleted", purged)
        return purged

    @without_failing_handoffs
    def _fire_case(self, case_id: int, now: datetime) -> bool | None:
        """Fire one case's due timers: True when it moved, False when its step failed (recorded),
        None when it was not due any more."""
        with self._sessions.begin() as session:
            ctx = self._load_for_step(session, case_id, now, trigger="timer")
            if ctx is None:
                return False
            if ctx.case.next_timer_due is None or ctx.case.next_timer_due > now:
                self._store.release(ctx)  # another process fired it since we looked
                return None
            done = self._step_or_record(session, ctx, now, trigger="timer", user=None)
            if done is None:
                return False
        self._store.remember(ctx)
        self._remember_receivers(done[1])
        return True

    @without_failing_handoffs
    def retry_case(
        self, case_id: int, data: dict[str, Any] | None = None, *, user: str | None = None, caller: Caller | None = None
    ) -> CaseView:
        """Run the failed step of case `case_id` again, from the case as it was stored, with `data`
        (checked case data) handed to the step first: after the data or the case's version (a
        migration) was fixed. As `caller`: an administrator or the process's owner who takes part
        in the case (else as `user`, unchecked). When the step succeeds the incident is resolved and
        the case runs on; when it fails again the same incident is updated (never a second one),
        the case stays failed, and CaseStepError says why.
        Raises NotFoundError, AccessDeniedError, ConflictError (the case is not failed, or changed
        meanwhile), InvalidDataError (the data limits) or CaseStepError."""
        data = check_data(data)
        now = self._clock.now()
        acting = caller.username if caller is not None else (user or "kapula")
        with self._transaction() as session:
            incident = self._retry_rules(session, caller, case_id, now)
            ctx = self._unit(session).cases.load(case_id, failed_too=True)
            done = self._step_or_record(session, ctx, now, trigger=incident.trigger, user=acting, data=data)
            if done is not None:
                self._unit(session).incidents.resolve(case_id, now=now, by=acting)
                view = self._view_after_step(session, ctx, done[0])
            else:
                shown = self._unit(session).incidents.open_of(case_id) or incident
            if caller is not None:
                self._unit(session).access_log.add(
                    [
                        entry(caller, "retry", now, case_id=case_id, process_key=ctx.case.process_key),
                        *(done[1].entries(caller, now) if done is not None else []),
                    ]
                )
        if done is None:
            raise CaseStepError(
                f"case {case_id}: the retry failed again; {shown.describe()}", case_id=case_id, element_id=shown.element_id
            )
        self._store.remember(ctx)
        self._remember_receivers(done[1])
        return view

    def incidents(self, case_id: int, *, caller: Caller | None = None) -> list[Incident]:
        """The case's incidents, open and resolved, oldest first. Raises NotFoundError, AccessDeniedError."""
        with self._transaction(read=True) as session:
            uow = self._unit(session)
            record = uow.case_reads.row(case_id)
            if record is None:
                raise NotFoundError("case", case_id)
            if caller is not None:
                events = CaseFacts(uow).part_events(caller.principal, case_id)
                check(
                    caller,
                    policy.case_refusal(caller.principal, case_id, record.process_key, events),
                    "read",
                    self._clock.now(),
                    case_id=case_id,
                )
            found = uow.incidents.of_case(case_id)
        if caller is not None:
            self._audit([entry(caller, "read", self._clock.now(), case_id=case_id)])
            return [policy.incident_as_seen(caller.principal, i) for i in found]
        return found

    def _retry_rules(self, session: Session, caller: Caller | None, case_id: int, now: datetime) -> Incident:
        """The case's open incident, when the caller may retry it; else the refusal."""
        uow = self._unit(session)
        record = uow.case_reads.row(case_id)
        if record is None:
            raise NotFoundError("case", case_id)
        if caller is not None:
            events = CaseFacts(uow).part_events(caller.principal, case_id)
            check(
                caller, policy.case_refusal(caller.principal, case_id, record.process_key, events), "retry", now, case_id=case_id
            )
            check(caller, policy.retry_refusal(caller.principal, record.process_key), "retry", now, case_id=case_id)
        current = uow.incidents.open_of(case_id) if record.status == CaseStatus.FAILED.value else None
        if current is None:
            raise ConflictError(
                f"case {case_id} is {record.status}, not failed: there is no failed step to retry", case_id=case_id
            )
        return current

    def _step_or_record(
        self,
        session: Session,
        ctx: StepContext,
        now: datetime,
        *,
        trigger: str,
        user: str | None,
        data: dict[str, Any] | None = None,
    ) -> tuple[SavedStep, Delivery] | None:
        """Run the case until it waits and write the step with the cases its messages reached, in a
        savepoint; the step as written. When the step fails (its own diagram, or a message it threw
        that no case takes), the savepoint is rolled back and the failure recorded on the case
        instead (None). A conflict (someone else stepped a case) and a lost database are raised."""
        stepped = False
        try:
            with session.begin_nested():
                stepping.fire_timers(ctx.live, data, clock=self._clock, case_id=ctx.case.id)
                stepped = True
                return self._save_step(session, ctx, now=now, user=user)
        except (ConflictError, UnavailableError, KeptHandoffFailed):
            self._store.cache.discard(ctx.case.id)
            raise
        except Exception as exc:
            self._store.cache.discard(ctx.case.id)  # the live workflow is half stepped: never reuse it
            self._record_failure(session, ctx, exc, now, trigger=trigger, own_step=not stepped)
            return None
