"""The erasure's repository on SQLAlchemy (engine.persistence.ports.ErasureRepository): a case's
stored JSON texts read under a lock and rewritten, over the use case's session. The rules (which
fields, who may erase, what replaces a value) are engine.erasure's and engine.services.cases'."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.persistence.ports import CaseTexts
from engine.persistence.tables import (
    BufferedMessageRecord,
    CaseCorrelationRecord,
    CaseRecord,
    CaseTaskRecord,
    EventRecord,
    ProcessVersionRecord,
    table_of,
)

_CASES, _TASKS, _EVENTS, _CORRELATIONS = (table_of(r) for r in (CaseRecord, CaseTaskRecord, EventRecord, CaseCorrelationRecord))
_C, _T, _E, _CR, _V = _CASES.c, _TASKS.c, _EVENTS.c, _CORRELATIONS.c, table_of(ProcessVersionRecord).c
_KEPT = table_of(BufferedMessageRecord)
_K = _KEPT.c


class SqlErasureRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def read(self, case_id: int) -> tuple[dict[str, str], CaseTexts] | None:
        connection = self._session.connection()
        case = connection.execute(
            select(_C.data_json, _C.header_json, _C.process_version_id).where(_C.id == case_id).with_for_update()
        ).first()
        if case is None:
            return None
        source = connection.execute(select(_V.source_json).where(_V.id == case.process_version_id)).scalar_one()
        tasks = connection.execute(select(_T.task_id, _T.body).where(_T.case_id == case_id).order_by(_T.task_id))
        events = connection.execute(select(_E.seq, _E.changed_json).where(_E.case_id == case_id).order_by(_E.seq))
        correlations = connection.execute(select(_CR.key, _CR.value).where(_CR.case_id == case_id).order_by(_CR.key))
        # the messages the case sent that wait in the buffer: their payload and correlation values are its data
        kept = connection.execute(
            select(_K.id, _K.payload_json, _K.correlations_json)
            .where(_K.from_case_id == case_id)
            .order_by(_K.id)
            .with_for_update()
        ).all()
        return json.loads(source or "{}"), CaseTexts(
            case.data_json,
            case.header_json,
            tasks={t: b for t, b in tasks},
            events={s: c for s, c in events},
            correlations={k: v for k, v in correlations},
            kept_payloads={m.id: m.payload_json for m in kept},
            kept_correlations={m.id: m.correlations_json for m in kept},
        )

    def write(self, case_id: int, changed: CaseTexts) -> None:
        connection = self._session.connection()
        values: dict[str, object] = {"row_version": _C.row_version + 1}
        if changed.data is not None:
            values["data_json"] = changed.data
        if changed.header is not None:
            values["header_json"] = changed.header
        connection.execute(update(_CASES).where(_C.id == case_id).values(values))
        for task_id, body in changed.tasks.items():
            connection.execute(update(_TASKS).where(_T.case_id == case_id, _T.task_id == task_id).values(body=body))
        for seq, text in changed.events.items():
            connection.execute(update(_EVENTS).where(_E.case_id == case_id, _E.seq == seq).values(changed_json=text))
        for key, value in changed.correlations.items():
            connection.execute(update(_CORRELATIONS).where(_CR.case_id == case_id, _CR.key == key).values(value=value))
        for message_id, text in changed.kept_payloads.items():
            connection.execute(update(_KEPT).where(_K.id == message_id, _K.from_case_id == case_id).values(payload_json=text))
        for message_id, text in changed.kept_correlations.items():
            connection.execute(
                update(_KEPT).where(_K.id == message_id, _K.from_case_id == case_id).values(correlations_json=text)
            )
