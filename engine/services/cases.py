"""Steps on whole cases: start, cancel, erase personal data (timers: engine.services.incidents)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.access import policy
from engine.case_store import StepContext
from engine.clock import Clock
from engine.definitions import VersionCache
from engine.erasure import ErasureResult, erase_case
from engine.errors import InvalidDataError, KapulaError, NotFoundError
from engine.forms import check_submission
from engine.model import CaseStatus, CaseView, Lifecycle
from engine.persistence.ports import UnitOfWork
from engine.runtime import stepping
from engine.services.definitions import latest
from engine.services.gate import Caller, CaseFacts, check, entry, formless
from engine.services.kept_messages import without_failing_handoffs
from engine.services.routing import MessageRouting
from engine.services.shared import check_data

# what only administrators do (policy.admin_refusal): the erasure and its confirmation page
ERASING = "erase personal data"


class CaseUseCases(MessageRouting):
    """Steps on whole cases: start, cancel, erase personal data (timers: engine.services.incidents)."""

    @without_failing_handoffs
    def start_case(
        self, key: str, data: dict[str, Any] | None = None, *, user: str | None = None, caller: Caller | None = None
    ) -> CaseView:
        """Start a case of the latest version of `key` and run it until it waits, as `caller` (who
        must see the process; else as `user`, unchecked). Raises NotFoundError, AccessDeniedError,
        DiagramError (the latest version is documentation only), InvalidDataError (the data limits,
        the start form) or CaseStepError."""
        data = check_data(data)
        # the form is checked before the write transaction, so no validation holds the write lock;
        # against the latest version a start here saw (no read), which the transaction reads again
        seen = self._latest_seen.get(key)
        checked = self._versions.kept(seen) if seen is not None else None  # kept: no unit of work to open
        if checked is None:
            with self._units(read=True) as uow:
                checked = self._deployed(uow, seen if seen is not None else latest(uow, key).id)
        try:
            checked.check_runnable()  # cases start only on runnable versions, never on documentation
            check_submission(checked.start_form_schema(), data, formless=formless(caller))
        except KapulaError:
            if caller is not None:  # a refusal comes first: a start form's fields are for those who may start
                with self._in_unit(read=True) as uow:
                    stored = latest(uow, key)
                    check(
                        caller,
                        policy.process_refusal(caller.principal, stored.process),
                        "start",
                        self._clock.now(),
                        process_key=key,
                    )
            raise
        now = self._clock.now()
        user = caller.username if caller is not None else user
        with self._in_unit() as uow:
            ctx = start_in(
                uow,
                self._versions,
                key,
                data,
                caller=caller,
                now=now,
                clock=self._clock,
                checked_form=checked.start_form_schema(),
            )
            self._latest_seen.put(key, ctx.deployed.id)
            saved, delivery = self._save_step(uow, ctx, now=now, user=user, first_event=Lifecycle.CASE_STARTED, start_data=data)
            view = self._view_after_step(uow, ctx, saved)
            if caller is not None:
                uow.access_log.add(
                    [entry(caller, "start", now, case_id=ctx.case.id, process_key=key), *delivery.entries(caller, now)]
                )
        self._store.remember(ctx)
        self._remember_receivers(delivery)
        return view

    def cancel_case(
        self, case_id: int, *, reason: str | None = None, user: str | None = None, caller: Caller | None = None
    ) -> CaseView:
        """Cancel a running or failed case (a failed case's open incident is closed with it), as `caller` (an administrator or the process's owner; else as
        `user`, unchecked), who says why: `reason` (1–500 characters, required with a caller) is
        kept in the access log's `cancel` entry, written in the step's transaction, and shown in
        the case's timeline (until an erasure of the case blanks it). Raises NotFoundError, AccessDeniedError, InvalidDataError (no reason,
        field `reason`) or ConflictError."""
        now = self._clock.now()
        user = caller.username if caller is not None else user
        with self._in_unit() as uow:
            if caller is not None:
                self._cancel_rules(uow, caller, case_id, now)
                reason = checked_reason(reason)  # after the rules: a refusal is a refusal, with or without one
            ctx = uow.cases.load(case_id, failed_too=True)
            stepping.cancel(ctx.live)
            if ctx.case.status == CaseStatus.FAILED.value:
                uow.incidents.resolve(case_id, now=now, by=user or "kapula")
            saved = uow.cases.save(ctx, now=now, user=user, last_event=Lifecycle.CASE_CANCELLED)
            view = self._view_after_step(uow, ctx, saved)
            if caller is not None:
                uow.access_log.add([entry(caller, "cancel", now, case_id=case_id, reason=reason)])
        self._store.remember(ctx)
        return view

    def erase_personal_data(
        self,
        case_id: int,
        *,
        fields: list[str] | None = None,
        reason: str | None = None,
        by: str | None = None,
        origin: str | None = None,
        caller: Caller | None = None,
    ) -> ErasureResult:
        """Replace the case's personal fields (declared `x-personal` in its forms, else `fields`) in
        its data, task rows, events and the messages it sent that are still kept; the events' metrics stay. Administrators only (`caller`;
        else `by`, unchecked). Logged as `erase` with its `reason` (1–500 characters, required with
        a caller; shown in the case's timeline) in the same transaction.
        The reasons logged for the case before (cancel, an earlier erasure) become the marker too.
        Raises NotFoundError, AccessDeniedError or InvalidDataError (no reason: field `reason`)."""
        now = self._clock.now()
        with self._in_unit() as uow:
            result = erase(uow, case_id, fields, reason=reason, by=by, origin=origin, caller=caller, now=now)
        self._store.cache.discard(case_id)
        return result

    def check_cancel(self, case_id: int, *, caller: Caller) -> None:
        """Refuse `caller` the cancel confirmation of case `case_id` as cancel_case would refuse the
        cancel (the case rule, then policy.cancel_refusal): the refused attempt is in the access log
        like the cancel's. Raises NotFoundError or AccessDeniedError."""
        with self._in_unit(read=True) as uow:
            self._cancel_rules(uow, caller, case_id, self._clock.now())

    def check_erase(self, case_id: int, *, caller: Caller) -> None:
        """Refuse `caller` the erasure confirmation of case `case_id` as erase_personal_data would
        (administrators only): the refused attempt is in the access log like the erasure's. Raises
        AccessDeniedError."""
        self._check_now(caller, policy.admin_refusal(caller.principal, ERASING), "erase", case_id=case_id)

    def _cancel_rules(self, uow: UnitOfWork, caller: Caller, case_id: int, now: datetime) -> None:
        record = uow.case_reads.row(case_id)
        if record is None:
            raise NotFoundError("case", case_id)
        events = CaseFacts(uow).part_events(caller.principal, case_id)
        check(caller, policy.case_refusal(caller.principal, case_id, record.process_key, events), "cancel", now, case_id=case_id)
        check(caller, policy.cancel_refusal(caller.principal, record.process_key), "cancel", now, case_id=case_id)


def start_in(
    uow: UnitOfWork,
    versions: VersionCache,
    key: str,
    data: dict[str, Any],
    *,
    caller: Caller | None,
    now: datetime,
    clock: Clock,
    checked_form: dict[str, Any] | None,
) -> StepContext:
    """A start in `uow`'s transaction, up to its write: the latest version of `key` (restored
    through `versions`), the process rule for `caller` (None: unchecked), the version runnable and
    `data` (checked case data) fitting its start form, checked again only when that is not
    `checked_form`, the form checked before the transaction; then the new case, run until it
    waits. The caller writes it (uow.cases.save with first_event CASE_STARTED). Raises
    NotFoundError, AccessDeniedError, DiagramError, InvalidDataError or CaseStepError."""
    stored = latest(uow, key)
    if caller is not None:
        check(caller, policy.process_refusal(caller.principal, stored.process), "start", now, process_key=key)
    deployed = versions.kept(stored.id) or versions.get(uow.versions, stored.id)
    deployed.check_runnable()  # cases start only on runnable versions, never on documentation
    if deployed.start_form_schema() != checked_form:  # a new version came between
        check_submission(deployed.start_form_schema(), data, formless=formless(caller))
    ctx = uow.cases.create(deployed, now=now)
    stepping.start(ctx.live, data, clock=clock)
    return ctx


def erase(
    uow: UnitOfWork,
    case_id: int,
    fields: list[str] | None,
    *,
    reason: str | None,
    by: str | None,
    origin: str | None,
    caller: Caller | None,
    now: datetime,
) -> ErasureResult:
    """The erasure's rules and act in `uow`'s transaction: with a `caller`, only an administrator
    erases, with a reason (checked_reason), logged as the caller from the caller's origin; an
    in-process caller (None) names itself `by` and may omit the reason. Raises AccessDeniedError
    (with its access-log entry), InvalidDataError or NotFoundError (engine.erasure.erase_case)."""
    if caller is not None:
        by, origin = caller.username, caller.origin
    if by is None:
        raise TypeError("an erasure needs the caller or `by`")
    if caller is not None:
        check(caller, policy.admin_refusal(caller.principal, ERASING), "erase", now, case_id=case_id)
        reason = checked_reason(reason)
    elif reason is not None:
        reason = checked_reason(reason)
    return erase_case(uow, case_id, fields, by=by, at=now, origin=origin, reason=reason)


MAX_REASON = 500


def checked_reason(reason: str | None) -> str:
    """The reason a person gives for cancelling or erasing, trimmed: 1–500 characters. Raises
    InvalidDataError naming the field `reason` (the pages, the API and `--reason` all require one:
    issue 15, "a reason kept in the log")."""
    text = (reason or "").strip()
    if not text:
        raise InvalidDataError("a reason is required: say why", field_errors={"reason": "required"})
    if len(text) > MAX_REASON:
        raise InvalidDataError(
            f"the reason is longer than {MAX_REASON} characters", field_errors={"reason": f"at most {MAX_REASON} characters"}
        )
    return text
