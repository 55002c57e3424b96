"""Steps on whole cases: start, cancel, fire due timers, erase personal data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.definitions import latest_version_record
from engine.erasure import ErasureResult, erase_case
from engine.forms import check_submission
from engine.errors import ConflictError
from engine.model import CaseStatus, CaseView, Lifecycle
from engine.persistence.tables import CaseRecord
from engine.runtime.timers import clock_context
from engine.services.shared import ServiceBase, check_data, step_error


class CaseUseCases(ServiceBase):
    """Steps on whole cases: start, cancel, fire due timers, erase personal data."""

    def start_case(self, key: str, data: dict[str, Any] | None = None, *, user: str | None = None) -> CaseView:
        """Start a case of the latest version of `key` and run it until it waits. Raises NotFoundError,
        DiagramError (the latest version is documentation only), InvalidDataError (the data limits,
        the start form) or CaseStepError."""
        data = check_data(data)
        # the form is checked before the write transaction, so no validation holds the write lock
        with self._sessions() as session:
            checked = self._versions.get(session, latest_version_record(session, key).id)
        checked.check_runnable()  # cases start only on runnable versions, never on documentation
        check_submission(checked.start_form_schema(), data)
        now = self._clock.now()
        with self._sessions.begin() as session:
            record = latest_version_record(session, key)
            deployed = self._versions.get(session, record.id)
            deployed.check_runnable()  # cases start only on runnable versions, never on documentation
            if deployed.start_form_schema() != checked.start_form_schema():  # a new version came between
                check_submission(deployed.start_form_schema(), data)
            ctx = self._store.create(session, deployed, now=now)
            try:
                with clock_context(self._clock):
                    ctx.workflow_start(data)
            except SpiffWorkflowException as exc:
                raise step_error(exc, None) from exc
            saved = self._store.save(session, ctx, now=now, user=user, first_event=Lifecycle.CASE_STARTED, start_data=data)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def cancel_case(self, case_id: int, *, user: str | None = None) -> CaseView:
        now = self._clock.now()
        with self._sessions.begin() as session:
            ctx = self._store.load(session, case_id)
            ctx.live.workflow.cancel()
            saved = self._store.save(session, ctx, now=now, user=user, last_event=Lifecycle.CASE_CANCELLED)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def erase_personal_data(self, case_id: int, *, fields: list[str] | None = None, by: str,
                            origin: str | None = None) -> ErasureResult:
        """Replace the case's personal fields (declared `x-personal` in its forms, else `fields`) in
        its data, task rows and events; the events' metrics stay. Logged as `erase` by `by`.
        Raises NotFoundError or InvalidDataError."""
        with self._sessions.begin() as session:
            result = erase_case(session, case_id, fields, by=by, at=self._clock.now(), origin=origin)
        self._store.cache.discard(case_id)
        return result

    def fire_due_timers(self, *, limit: int = 500) -> int:
        """Fire the timers that are due by the clock; returns how many cases moved."""
        now = self._clock.now()
        with self._reads() as session:
            due = session.scalars(
                select(CaseRecord.id)
                .where(CaseRecord.status == CaseStatus.RUNNING.value, CaseRecord.next_timer_due <= now)
                .order_by(CaseRecord.next_timer_due)
                .limit(limit)
            ).all()
        moved = 0
        for case_id in due:
            try:
                with self._sessions.begin() as session:
                    ctx = self._store.load(session, case_id)
                    if ctx.case.next_timer_due is None or ctx.case.next_timer_due > now:
                        self._store.release(ctx)  # another process fired it since we looked
                        continue
                    with clock_context(self._clock):
                        ctx.live.workflow.refresh_timers()
                        ctx.live.workflow.run_engine()
                    self._store.save(session, ctx, now=now, user=None)
                self._store.remember(ctx)
                moved += 1
            except ConflictError:
                continue  # another process stepped this case first; it will see the timer itself
        return moved
