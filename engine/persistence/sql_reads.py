"""Read models on SQLAlchemy ("views" in cosmicpython's words): what the consistency checks read of
the stored cases (engine.persistence.ports.ConsistencyReads), over the use case's session."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.ports import StoredEventRow
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord


class SqlConsistencyReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def case_ids(self) -> list[int]:
        return list(self._session.connection().scalars(select(CaseRecord.id).order_by(CaseRecord.id)))

    def case_rows(self, ids: Sequence[int]) -> dict[int, tuple[str, int]]:
        rows = self._session.connection().execute(
            select(CaseRecord.id, CaseRecord.status, CaseRecord.last_event_seq).where(CaseRecord.id.in_(list(ids))))
        return {r.id: (r.status, r.last_event_seq) for r in rows}

    def event_rows(self, ids: Sequence[int]) -> list[StoredEventRow]:
        rows = self._session.connection().execute(
            select(EventRecord.case_id, EventRecord.seq, EventRecord.lifecycle, EventRecord.task_id, EventRecord.element_type)
            .where(EventRecord.case_id.in_(list(ids))).order_by(EventRecord.case_id, EventRecord.seq))
        return [StoredEventRow(*r) for r in rows]

    def user_task_states(self, ids: Sequence[int]) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {}
        rows = self._session.connection().execute(
            select(CaseTaskRecord.case_id, CaseTaskRecord.task_id, CaseTaskRecord.state)
            .where(CaseTaskRecord.case_id.in_(list(ids)), CaseTaskRecord.manual.is_(True)))
        for case_id, task_id, state in rows:
            found.setdefault(case_id, {})[task_id] = state
        return found
