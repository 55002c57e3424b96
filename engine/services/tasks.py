"""Steps on user tasks: complete, claim and give back, and the task's form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine import claims
from engine.forms import check_submission
from engine.errors import NotFoundError
from engine.model import CaseView, TaskView
from engine.persistence.tables import CaseRecord, CaseTaskRecord
from engine.runtime.timers import clock_context
from engine.services.shared import ServiceBase, check_data, step_error


class TaskUseCases(ServiceBase):
    """Steps on user tasks: complete, claim and give back, and the task's form."""

    def complete_task(self, task_id: str, data: dict[str, Any] | None = None, *, user: str | None = None) -> CaseView:
        """Complete a ready user task with `data` and run the case until it waits again.
        Raises NotFoundError, ConflictError (not ready any more, or someone else changed the case
        first), InvalidDataError or CaseStepError; in each case nothing is changed."""
        data = check_data(data)
        # the form is checked before the write transaction, so no validation holds the write lock
        checked = self.task_form(task_id)
        check_submission(checked, data)
        now = self._clock.now()
        with self._sessions.begin() as session:
            case_id = self._case_of_task(session, task_id)
            ctx = self._store.load(session, case_id)
            try:
                task = ctx.find_ready_user_task(task_id)
                schema = ctx.deployed.form_schema(task.task_spec.bpmn_id)
                if schema != checked:  # the case moved to another version meanwhile
                    check_submission(schema, data)
                with clock_context(self._clock):
                    task.data.update(data)
                    ctx.acting = (task.id, user)
                    task.run()
                    ctx.live.workflow.run_engine()
            except SpiffWorkflowException as exc:
                raise step_error(exc, case_id) from exc
            saved = self._store.save(session, ctx, now=now, user=user)
            view = self._view_after_step(session, ctx, saved)
        self._store.remember(ctx)
        return view

    def claim_task(self, task_id: str, *, user: str) -> TaskView:
        """`user` takes the ready task to work on. Raises NotFoundError or ConflictError (not ready,
        claimed already, or the case changed meanwhile)."""
        return self._change_claim(task_id, user=user, claim=True)

    def unclaim_task(self, task_id: str, *, user: str) -> TaskView:
        """Give a claimed task back to its lane. Raises NotFoundError or ConflictError."""
        return self._change_claim(task_id, user=user, claim=False)

    def _change_claim(self, task_id: str, *, user: str, claim: bool) -> TaskView:
        with self._sessions.begin() as session:
            case_id, read_version = claims.change_claim(session, task_id, user=user, claim=claim, now=self._clock.now())
        claims.retag_cached(self._store.cache, case_id, read_version)
        return self.get_task(task_id)

    def task_form(self, task_id: str) -> dict[str, Any] | None:
        """The JSON Schema of a user task's form when it was uploaded with the version. Raises NotFoundError."""
        with self._sessions() as session:
            row = session.scalars(select(CaseTaskRecord).where(CaseTaskRecord.task_id == task_id)).first()
            case = session.get(CaseRecord, row.case_id) if row is not None else None
            if row is None or case is None:
                raise NotFoundError("task", task_id)
            return self._versions.get(session, case.process_version_id).form_schema(row.element_id or "")
