"""Incidents on SQLAlchemy (engine.persistence.ports.IncidentRepository): a failed unattended
step's record on its case, over the use case's session. When to record and what to say is
engine.incidents' and engine.services.incidents'."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.model import CaseStatus, Incident
from engine.persistence.tables import CaseRecord, IncidentRecord, table_of

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from engine.incidents import Failure

_I = table_of(IncidentRecord)
_OPEN = _I.c.resolved_at.is_(None)


class SqlIncidentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def open_of(self, case_id: int) -> Incident | None:
        row = (
            self._session.connection()
            .execute(select(_I).where(_I.c.case_id == case_id, _OPEN).order_by(_I.c.id.desc()).limit(1))
            .first()
        )
        return _incident(row) if row is not None else None

    def of_case(self, case_id: int) -> list[Incident]:
        rows = self._session.connection().execute(select(_I).where(_I.c.case_id == case_id).order_by(_I.c.id))
        return [_incident(r) for r in rows]

    def record_failure(self, case_id: int, process_key: str, read_version: int, failure: Failure, *, now: datetime) -> bool:
        connection = self._session.connection()
        # an UPDATE's result is a CursorResult, which has rowcount (execute is typed as returning a Result)
        changed = cast(
            "CursorResult[Any]",
            connection.execute(
                update(table_of(CaseRecord))
                .where(CaseRecord.id == case_id, CaseRecord.row_version == read_version)
                .values(status=CaseStatus.FAILED.value, row_version=read_version + 1)
            ),
        ).rowcount
        if changed != 1:
            return False
        facts = {
            "trigger": failure.trigger,
            "element_id": failure.element_id,
            "element_name": failure.element_name,
            "message": failure.message,
        }
        current = self.open_of(case_id)
        if current is None:
            connection.execute(insert(_I).values(case_id=case_id, process_key=process_key, opened_at=now, **facts))
        else:
            connection.execute(update(_I).where(_I.c.id == current.id).values(**facts))
        return True

    def resolve(self, case_id: int, *, now: datetime, by: str) -> None:
        self._session.connection().execute(
            update(_I).where(_I.c.case_id == case_id, _OPEN).values(resolved_at=now, resolved_by=by[:255])
        )


def _incident(row: Any) -> Incident:
    return Incident(
        id=row.id,
        case_id=row.case_id,
        process_key=row.process_key,
        opened_at=row.opened_at,
        trigger=row.trigger,
        element_id=row.element_id,
        element_name=row.element_name,
        message=row.message,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
    )
