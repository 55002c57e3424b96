"""Steps on user tasks: complete, claim and give back, and the task's form.

Called with a `Caller`, a step checks the task rules (`engine.access.policy`) and writes its
access-log entry inside its own transaction. The claim rule (nobody completes a task someone else
holds) is read after the case row's version: a claim that commits later fails the step's version
check, so no completion ever lands on a task claimed by someone else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from engine import claims
from engine.access import policy
from engine.access.policy import TaskFacts
from engine.case_store import StepContext
from engine.clock import Clock
from engine.errors import InvalidDataError, KapulaError, NotFoundError
from engine.forms import check_submission
from engine.model import CaseView, TaskView
from engine.persistence.ports import UnitOfWork, UserTaskRow
from engine.runtime import stepping
from engine.services.gate import Caller, CaseFacts, check, entry, formless
from engine.services.kept_messages import without_failing_handoffs
from engine.services.routing import MessageRouting
from engine.services.shared import check_data


class TaskUseCases(MessageRouting):
    """Steps on user tasks: complete, claim and give back, and the task's form."""

    @without_failing_handoffs
    def complete_task(
        self, task_id: str, data: dict[str, Any] | None = None, *, user: str | None = None, caller: Caller | None = None
    ) -> CaseView:
        """Complete a ready user task with `data` and run the case until it waits again, as `caller`
        (else as `user`, unchecked: in-process callers). Raises NotFoundError, AccessDeniedError,
        ConflictError (claimed by someone else, not ready any more, or someone else changed the case
        first), InvalidDataError (only to a caller who may work the task) or CaseStepError; in each
        case nothing is changed."""
        data = check_data(data)
        # the form is checked before the write transaction, so no validation holds the write lock
        checked = self._form_before_step(task_id)
        try:
            check_submission(checked, data, formless=formless(caller))
        except InvalidDataError:
            if caller is not None:  # a refusal comes first: a form's fields are for those who may work the task
                with self._in_unit(read=True) as uow:
                    task_rules(uow, caller, task_id, "complete", self._clock.now())
            raise
        now = self._clock.now()
        user = caller.username if caller is not None else user
        with self._in_unit() as uow:
            case_id = self._case_of_task(uow, task_id)
            ctx = complete_in(
                uow,
                task_id,
                data,
                caller=caller,
                user=user,
                checked_form=checked,
                now=now,
                clock=self._clock,
                case_id=case_id,
                release=self._store.release,
            )
            saved, delivery = self._save_step(uow, ctx, now=now, user=user)
            view = self._view_after_step(uow, ctx, saved)
            if caller is not None:
                uow.access_log.add(
                    [entry(caller, "complete", now, case_id=case_id, task_id=task_id), *delivery.entries(caller, now)]
                )
        self._store.remember(ctx)
        self._remember_receivers(delivery)
        return view

    def claim_task(self, task_id: str, *, user: str | None = None, caller: Caller | None = None) -> TaskView:
        """`caller` (else `user`) takes the ready task to work on. Raises NotFoundError,
        AccessDeniedError or ConflictError (not ready, claimed already, or the case changed meanwhile)."""
        return self._change_claim(task_id, user=user, caller=caller, claim=True)

    def unclaim_task(self, task_id: str, *, user: str | None = None, caller: Caller | None = None) -> TaskView:
        """Give a claimed task back to its lane (its holder or an administrator). Raises
        NotFoundError, AccessDeniedError or ConflictError."""
        return self._change_claim(task_id, user=user, caller=caller, claim=False)

    def task_form(self, task_id: str, *, caller: Caller | None = None) -> dict[str, Any] | None:
        """The JSON Schema of a user task's form when it was uploaded with the version.
        Raises NotFoundError, AccessDeniedError."""
        with self._in_unit(read=True) as uow:
            if caller is not None:
                task_rules(uow, caller, task_id, "read_task", self._clock.now(), work=False)
            reads = uow.case_reads
            row = reads.task(task_id)
            case = reads.row(row.case_id) if row is not None else None
            if row is None or case is None:
                raise NotFoundError("task", task_id)
            deployed = self._deployed(uow, case.process_version_id)
            return deployed.form_schema(row.element_id or "", self.row_scope(deployed, row, case))

    def _form_before_step(self, task_id: str) -> dict[str, Any] | None:
        """The task's form for the check before the step: as the step that readied the task saw it
        (no transaction), else read. The step checks again against the form it runs with."""
        hint = self._task_forms.get(task_id)
        if hint is None:
            hint = (self.task_form(task_id),)
            self._task_forms.put(task_id, hint)
        return hint[0]

    def _change_claim(self, task_id: str, *, user: str | None, caller: Caller | None, claim: bool) -> TaskView:
        now = self._clock.now()
        if caller is not None:
            user = caller.username
        if user is None:
            raise TypeError("a claim needs the caller or the user")
        with self._in_unit() as uow:
            task = change_claim(uow, task_id, user=user, caller=caller, claim=claim, now=now)
            view = self._task_in(uow, task_id, with_claim=False)  # its holder is known: no read
        claims.retag_cached(self._store.cache, task.case_id, task.row_version)
        return dataclasses.replace(view, claimed_by=user if claim else None)


def complete_in(
    uow: UnitOfWork,
    task_id: str,
    data: dict[str, Any],
    *,
    caller: Caller | None,
    user: str | None,
    checked_form: dict[str, Any] | None,
    now: datetime,
    clock: Clock,
    case_id: int | None = None,
    release: Callable[[StepContext], None] | None = None,
) -> StepContext:
    """A completion in `uow`'s transaction, up to its write: the task rules for `caller` (None:
    unchecked), the case loaded, the claim rule (read after the case row, so a claim committed
    later fails the step's version check), the task still ready, `data` (checked case data)
    fitting its form, checked again only when that is not `checked_form`, the form checked before
    the transaction; then the task completed by `user` and the case run until it waits again. The
    caller writes it (uow.cases.save). `case_id`: the task's case when known (else read);
    `release` gets the loaded case back when the claim rule refuses it. Raises NotFoundError,
    AccessDeniedError, ConflictError, InvalidDataError or CaseStepError."""
    if case_id is None:
        case_id = uow.case_reads.case_of_task(task_id)
        if case_id is None:
            raise NotFoundError("task", task_id)
    facts = task_rules(uow, caller, task_id, "complete", now)[1] if caller is not None else None
    ctx = uow.cases.load(case_id)
    if caller is not None and facts is not None:
        try:
            # read after the step loaded the case row: a claim committed from here on bumps
            # the row version, and this step's version-checked UPDATE then fails (ConflictError)
            claim_rule(uow, caller, facts, now)
        except KapulaError:
            if release is not None:
                release(ctx)  # untouched: the cached copy stays good
            raise
    task = stepping.ready_user_task(ctx.live, task_id, ctx.deployed, case_id=case_id)
    schema = ctx.deployed.form_schema(task.element_id, task.scope)
    if schema != checked_form:  # the case moved to another version meanwhile
        check_submission(schema, data, formless=formless(caller))
    ctx.acting = (UUID(task.id), user)
    stepping.complete(ctx.live, task, data, clock=clock, case_id=case_id)
    return ctx


def task_rules(
    uow: UnitOfWork, caller: Caller, task_id: str, action: str, now: datetime, *, work: bool = True
) -> tuple[UserTaskRow, TaskFacts]:
    """Whether the caller sees the user task (and works it, with `work`): its row and its facts for
    further rules. Raises NotFoundError, or AccessDeniedError carrying the refusal's entry."""
    task = claims.user_task(uow.claims, task_id)
    # the holder matters only to giving a task back here; a completion and a claim read it again later
    holder = uow.claims.holders([task_id]).get(task_id) if action == "unclaim" else None
    facts = CaseFacts(uow).task(task, holder, principal=caller.principal)
    check(caller, policy.task_refusal(caller.principal, facts), action, now, case_id=facts.case_id, task_id=task_id)
    if work:
        check(caller, policy.work_refusal(caller.principal, facts), action, now, case_id=facts.case_id, task_id=task_id)
    return task, facts


def claim_rule(uow: UnitOfWork, caller: Caller, facts: TaskFacts, now: datetime) -> None:
    """Nobody completes a task someone else holds (policy.claim_refusal): ConflictError, carrying
    the refusal's entry, when the task's holder, read now, is someone other than the caller."""
    holder = uow.claims.holders([facts.task_id]).get(facts.task_id)
    current = dataclasses.replace(facts, claimed_by=holder)
    check(
        caller,
        policy.claim_refusal(caller.principal, current),
        "complete",
        now,
        case_id=facts.case_id,
        task_id=facts.task_id,
        conflict=True,
    )


def change_claim(uow: UnitOfWork, task_id: str, *, user: str, caller: Caller | None, claim: bool, now: datetime) -> UserTaskRow:
    """The claim (or, without `claim`, the release) of a ready user task by `user`, as `caller`
    (checked: seeing and working the task, and giving back only one's own unless an administrator)
    with its access-log entry; None for in-process callers. Returns the task's row as read (the
    case's row version before the claim). Raises NotFoundError, AccessDeniedError or ConflictError
    (engine.claims.change_claim)."""
    action = "claim" if claim else "unclaim"
    task: UserTaskRow | None = None
    if caller is not None:
        task, facts = task_rules(uow, caller, task_id, action, now)
        if not claim:
            check(caller, policy.unclaim_refusal(caller.principal, facts), action, now, case_id=facts.case_id, task_id=task_id)
    task = claims.change_claim(uow.claims, task_id, user=user, claim=claim, now=now, task=task)
    if caller is not None:
        uow.access_log.add([entry(caller, action, now, case_id=task.case_id, task_id=task_id)])
    return task
