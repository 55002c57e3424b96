"""Reading cases, tasks and a case's event log."""

from __future__ import annotations

import json

from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from engine import claims, history
from engine.errors import NotFoundError
from engine.model import CaseStatus, CaseView, Event, Handoff, StageDuration, TaskView
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord
from engine.services.shared import ServiceBase


class ReadingUseCases(ServiceBase):
    """Reading cases, tasks and a case's event log."""

    def get_case(self, case_id: int) -> CaseView:
        with self._reads() as session:
            record = session.get(CaseRecord, case_id)
            if record is None:
                raise NotFoundError("case", case_id)
            deployed = self._versions.get(session, record.process_version_id)
            tasks = claims.with_claims(session, self._task_views(session, [(record, deployed)], state=TaskState.READY))
            return CaseView(
                id=record.id,
                process_key=record.process_key,
                version=deployed.version,
                status=CaseStatus(record.status),
                started_at=record.started_at,
                ended_at=record.ended_at,
                data=json.loads(record.data_json),
                ready_tasks=tuple(tasks),
                next_timer_due=record.next_timer_due,
            )

    def cases(self, *, process_key: str | None = None, status: CaseStatus | None = None) -> list[CaseView]:
        """Cases, newest first, filtered by process key and status."""
        with self._reads() as session:
            stmt = select(CaseRecord.id).order_by(CaseRecord.id.desc())
            if process_key is not None:
                stmt = stmt.where(CaseRecord.process_key == process_key)
            if status is not None:
                stmt = stmt.where(CaseRecord.status == status.value)
            ids = list(session.scalars(stmt))
        return [self.get_case(i) for i in ids]

    def ready_tasks(
        self, *, lane: str | None = None, case_id: int | None = None, process_key: str | None = None
    ) -> list[TaskView]:
        """Ready user tasks, oldest case first, filtered by lane, case or process."""
        with self._reads() as session:
            stmt = (
                select(CaseTaskRecord, CaseRecord)
                .join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
                .where(CaseTaskRecord.state == TaskState.READY, CaseTaskRecord.manual.is_(True))
                .order_by(CaseRecord.id, CaseTaskRecord.ordinal)
            )
            if lane is not None:
                stmt = stmt.where(CaseTaskRecord.lane == lane)
            if case_id is not None:
                stmt = stmt.where(CaseTaskRecord.case_id == case_id)
            if process_key is not None:
                stmt = stmt.where(CaseRecord.process_key == process_key)
            return claims.with_claims(session, [self._task_view(session, t, c) for t, c in session.execute(stmt).all()])

    def get_task(self, task_id: str) -> TaskView:
        """One user task (ready or not) with who has claimed it. Raises NotFoundError."""
        with self._reads() as session:
            row = session.execute(
                select(CaseTaskRecord, CaseRecord)
                .join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
                .where(CaseTaskRecord.task_id == task_id, CaseTaskRecord.manual.is_(True))
            ).first()
            if row is None:
                raise NotFoundError("task", task_id)
            return claims.with_claims(session, [self._task_view(session, row[0], row[1])])[0]

    def history(self, case_id: int) -> list[Event]:
        with self._reads() as session:
            if session.get(CaseRecord, case_id) is None:
                raise NotFoundError("case", case_id)
            rows = session.scalars(select(EventRecord).where(EventRecord.case_id == case_id).order_by(EventRecord.seq))
            return [history.to_event(r) for r in rows]

    def stage_durations(self, case_id: int) -> list[StageDuration]:
        return history.stage_durations(self.history(case_id))

    def handoffs(self, case_id: int) -> list[Handoff]:
        return history.handoffs(self.history(case_id))

    def case_ids(self, process_key: str) -> list[int]:
        """The ids of every case of `process_key`, oldest first."""
        with self._reads() as session:
            return list(session.scalars(select(CaseRecord.id).where(CaseRecord.process_key == process_key).order_by(CaseRecord.id)))
