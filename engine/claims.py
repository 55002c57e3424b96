"""Claiming a ready user task (a person takes it to work on) and giving it back, in the event log."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

from engine.errors import ConflictError, NotFoundError
from engine.model import CaseStatus, Lifecycle, TaskView
from engine.persistence.cache import VersionedCache
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord
from engine.runtime.states import READY
from engine.spans.store import write_step_spans

_CLAIM_EVENTS = (Lifecycle.TASK_CLAIMED.value, Lifecycle.TASK_UNCLAIMED.value)
# built once: building the statement per call cost more than running it (issue 14)
_HOLDERS = (
    select(EventRecord.task_id, EventRecord.lifecycle, EventRecord.user_name)
    .where(EventRecord.task_id.in_(bindparam("task_ids", expanding=True)), EventRecord.lifecycle.in_(_CLAIM_EVENTS))
    .order_by(EventRecord.case_id, EventRecord.seq)
)


def claim_holders(session: Session, task_ids: list[str]) -> dict[str, str]:
    """Who holds each of these tasks now: the last claim event not followed by an unclaim."""
    if not task_ids:
        return {}
    rows = session.connection().execute(_HOLDERS, {"task_ids": list(task_ids)}).all()
    holders: dict[str, str] = {}
    for task_id, lifecycle, user in rows:
        if task_id is None:  # never: the query asks for these ids (the column is nullable for other events)
            continue
        if lifecycle == Lifecycle.TASK_CLAIMED.value and user is not None:
            holders[task_id] = user
        else:
            holders.pop(task_id, None)
    return holders


def with_claims(session: Session, tasks: list[TaskView]) -> list[TaskView]:
    """The same task views with `claimed_by` filled in."""
    holders = claim_holders(session, [t.id for t in tasks])
    return [dataclasses.replace(t, claimed_by=holders.get(t.id)) for t in tasks]


def change_claim(session: Session, task_id: str, *, user: str, claim: bool, now: datetime) -> tuple[int, int]:
    """Record a claim (or its release) of a ready user task; returns (case id, the row version read).

    The event's `seq` is taken under the case row's version check, exactly as a step takes it, so
    of two concurrent claims (or a claim racing a completion) one commits and the other gets a
    ConflictError. Raises NotFoundError, or ConflictError when the task is not ready, is claimed
    already (claim) or is not claimed (release)."""
    row = session.execute(
        select(CaseTaskRecord, CaseRecord)
        .join(CaseRecord, CaseRecord.id == CaseTaskRecord.case_id)
        .where(CaseTaskRecord.task_id == task_id)
    ).first()
    if row is None:
        raise NotFoundError("task", task_id)
    task, case = row
    if case.status != CaseStatus.RUNNING.value or task.state != READY or not task.manual:
        raise ConflictError(f"task {task_id} is not ready; it was probably completed by someone else", case_id=case.id, task_id=task_id)
    holder = claim_holders(session, [task_id]).get(task_id)
    if claim and holder is not None:
        raise ConflictError(f"task {task_id} is already claimed by {holder}", case_id=case.id, task_id=task_id)
    if not claim and holder is None:
        raise ConflictError(f"task {task_id} is not claimed by anyone", case_id=case.id, task_id=task_id)
    seq = case.last_event_seq + 1
    # Session.execute is typed as returning a Result; an UPDATE's is a CursorResult, which has rowcount
    result = cast("CursorResult[Any]", session.execute(
        update(CaseRecord)
        .where(CaseRecord.id == case.id, CaseRecord.row_version == case.row_version)
        .values(row_version=case.row_version + 1, last_event_seq=seq)
        .execution_options(synchronize_session=False)
    ))
    if result.rowcount != 1:
        raise ConflictError(f"case {case.id} was changed by someone else; nothing was saved, reload and try again", case_id=case.id)
    ready = session.execute(
        select(EventRecord.element_name, EventRecord.element_type)
        .where(EventRecord.task_id == task_id, EventRecord.lifecycle == Lifecycle.TASK_READY.value)
    ).first()
    event = {
        "case_id": case.id,
        "seq": seq,
        "at": now,
        "lifecycle": (Lifecycle.TASK_CLAIMED if claim else Lifecycle.TASK_UNCLAIMED).value,
        "element_id": task.element_id,
        "element_name": ready[0] if ready else None,
        "element_type": ready[1] if ready else None,
        "lane": task.lane,
        "user_name": user,
        "task_id": task_id,
        "changed_json": "{}",
    }
    session.execute(insert(EventRecord), [event])
    if claim:
        write_step_spans(session.connection(), case.id, case.process_key, case.process_version_id, [event])
    return case.id, case.row_version


def retag_cached(cache: VersionedCache[Any], case_id: int, read_version: int) -> None:
    """After a claim's commit: the live workflow did not change, so keep it under the new version."""
    live = cache.take(case_id, read_version)
    if live is not None:
        cache.put(case_id, read_version + 1, live)
