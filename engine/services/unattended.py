"""What the unattended steps share (a due timer, a kept message handed over by the timer round): the
case loaded for one, and its failure recorded on the case as an incident (engine.incidents)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from sqlalchemy.orm import Session

from engine.case_store import StepContext
from engine.errors import ConflictError, KapulaError, NotFoundError, UnavailableError
from engine.incidents import Failure, failure_of, plain_message
from engine.runtime import stepping
from engine.services.routing import MessageRouting

log = logging.getLogger("kapula.timers")


class UnattendedSteps(MessageRouting):
    """Loading a case for a step nobody waits for, and recording that step's failure."""

    def _load_for_step(self, session: Session, case_id: int, now: datetime, *, trigger: str) -> StepContext | None:
        """The case for an unattended step; a case that cannot even be loaded (its stored state is
        broken) is recorded as failed, and None returned. Raises ConflictError (not running, or
        changed meanwhile), NotFoundError, UnavailableError."""
        try:
            return self._unit(session).cases.load(case_id)
        except (ConflictError, NotFoundError, UnavailableError):
            raise
        except Exception as exc:
            uow = self._unit(session)
            record = uow.case_reads.row(case_id)
            if record is None:
                raise
            log.exception("case %s could not be loaded for its %s step", case_id, trigger)
            failure = Failure(trigger, None, None, f"the stored case could not be loaded: {failure_of(exc, trigger).message}")
            if not uow.incidents.record_failure(case_id, record.process_key, record.row_version, failure, now=now):
                raise ConflictError(f"case {case_id} changed meanwhile", case_id=case_id) from exc
            return None

    def _record_failure(
        self,
        session: Session,
        ctx: StepContext,
        exc: Exception,
        now: datetime,
        *,
        trigger: str,
        own_step: bool,
        about: str | None = None,
    ) -> None:
        """Record on the case (as read for the step, whose savepoint was rolled back) that its
        unattended step failed with `exc`: `failed`, with an open incident naming the element and
        the error (after `about`, what the step was about, when given). `own_step`: `exc` is the
        case's own diagram failing, not a case its messages reached. Raises ConflictError when the
        case changed meanwhile (nothing recorded)."""
        names = {element_id: info.name for element_id, info in ctx.deployed.elements.items()}
        failure = failure_of(exc, trigger, names, case_id=ctx.case.id, own_step=own_step)
        if about is not None:
            failure = dataclasses.replace(failure, message=plain_message(f"{about}: {failure.message}"))
        if not isinstance(exc, KapulaError) and stepping.failed_element(exc) is None:
            log.exception("case %s: its %s step failed in Kapula itself", ctx.case.id, trigger)
        else:
            log.warning("case %s: its %s step failed: %s", ctx.case.id, trigger, failure.message)
        if not self._unit(session).incidents.record_failure(
            ctx.case.id, ctx.case.process_key, ctx.read_version, failure, now=now
        ):
            raise ConflictError(f"case {ctx.case.id} changed meanwhile", case_id=ctx.case.id) from exc
