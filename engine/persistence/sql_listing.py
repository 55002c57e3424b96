"""The case lists and the inbox on SQLAlchemy (engine.persistence.ports.ListingReads, a read
model): filtered, counted, sorted and paged in one query each, narrowed by the access rules of
engine.access.policy as SQL conditions, so a page costs the same with ten cases or a hundred
thousand (issue 15, item 6).

Each condition is the SQL form of one pure rule: `_cases_seen` of `policy.takes_part`, `_tasks_seen`
of `policy.sees_task`. Lanes are matched by the names the versions declare (their actors), chosen
by `policy.owns_lane` itself, so a lane rule lives in one place. The services re-check each row of
the page with the pure rules (tests/integration/test_listing.py holds them equal).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, false, func, not_, or_, select, true
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from engine.access import policy
from engine.access.policy import Principal, Role
from engine.model import CaseQuery, CaseStatus, Lifecycle, TaskQuery
from engine.persistence.ports import ListedCase, ListedTask, StoredCase, StoredTask, TaskInCase
from engine.persistence.tables import (
    CaseRecord,
    CaseTaskRecord,
    EventRecord,
    ProcessVersionRecord,
    TaskSpanRecord,
    UserRecord,
    is_claim_event,
    is_ready_user_task,
)
from engine.runtime.case_state import TOP

C, T, E, S, V = CaseRecord, CaseTaskRecord, EventRecord, TaskSpanRecord, ProcessVersionRecord
_CASE_COLUMNS = tuple(getattr(C, f.name) for f in fields(StoredCase))
_TASK_COLUMNS = tuple(getattr(T, f.name) for f in fields(StoredTask))
_STARTED = Lifecycle.CASE_STARTED.value
_READY_USER_TASK = is_ready_user_task(T.state, T.manual)  # along ix_case_task_ready
_HEADER_IF_SUB = sql_case((T.workflow_id != TOP, C.header_json), else_=None).label("header_json")


class SqlListingReads:
    def __init__(self, session: Session) -> None:
        self._session = session

    def case_page(self, query: CaseQuery, principal: Principal) -> tuple[int, int, list[ListedCase]]:
        waiting = _open_since(C.id)
        stmt = (
            select(*_CASE_COLUMNS, V.name, waiting.label("waiting_since"))
            .join(V, V.id == C.process_version_id)
            .where(self._cases_seen(principal))
        )
        if query.process_key is not None:
            stmt = stmt.where(C.process_key == query.process_key)
        if query.status is not None:
            stmt = stmt.where(C.status == query.status.value)
        if query.lane:
            stmt = stmt.where(exists().where(T.case_id == C.id, _READY_USER_TASK, T.lane == query.lane))
        if query.text and query.text.strip():
            stmt = stmt.where(_text_matches(query.text))
        total, page, rows = self._page(stmt, _case_order(query.sort, waiting), query.page, query.page_size)
        n = len(_CASE_COLUMNS)
        return total, page, [ListedCase(StoredCase(*r[:n]), r[n], r[n + 1]) for r in rows]

    def task_page(self, query: TaskQuery, principal: Principal) -> tuple[int, int, list[ListedTask]]:
        stmt = (
            select(*_TASK_COLUMNS, *_CASE_COLUMNS, V.name, S.ready_at)
            .join(C, C.id == T.case_id)
            .join(V, V.id == C.process_version_id)
            .outerjoin(S, and_(S.case_id == T.case_id, S.task_id == T.task_id))
            .where(_READY_USER_TASK, C.status == CaseStatus.RUNNING.value, self._tasks_seen(principal))
        )
        if query.process_key is not None:
            stmt = stmt.where(C.process_key == query.process_key)
        if query.lane:
            stmt = stmt.where(T.lane == query.lane)
        if query.claimed is not None:
            stmt = stmt.where(_claim_matches(query.claimed, principal.username))
        if query.text and query.text.strip():
            stmt = stmt.where(_text_matches(query.text))
        total, page, rows = self._page(stmt, _task_order(query.sort), query.page, query.page_size)
        t, c = len(_TASK_COLUMNS), len(_CASE_COLUMNS)
        return total, page, [ListedTask(StoredTask(*r[:t]), StoredCase(*r[t : t + c]), r[t + c], r[t + c + 1]) for r in rows]

    def case_ids(self, *, process_key: str | None, status: CaseStatus | None, principal: Principal | None) -> list[int]:
        stmt = select(C.id).order_by(C.id.desc())
        if process_key is not None:
            stmt = stmt.where(C.process_key == process_key)
        if status is not None:
            stmt = stmt.where(C.status == status.value)
        if principal is not None:
            stmt = stmt.where(self._cases_seen(principal))
        return list(self._session.scalars(stmt))

    def ready_tasks(
        self, *, lane: str | None, case_id: int | None, process_key: str | None, principal: Principal | None
    ) -> list[TaskInCase]:
        # only what a task's view needs of its case: the header only for a task of a subworkflow
        stmt = (
            select(*_TASK_COLUMNS, C.process_version_id, _HEADER_IF_SUB)
            .join(C, C.id == T.case_id)
            # a failed case takes no steps until it is retried: its tasks wait off the lists
            .where(_READY_USER_TASK, C.status == CaseStatus.RUNNING.value)
            .order_by(C.id, T.ordinal)
        )
        if lane is not None:
            stmt = stmt.where(T.lane == lane)
        if case_id is not None:
            stmt = stmt.where(T.case_id == case_id)
        if process_key is not None:
            stmt = stmt.where(C.process_key == process_key)
        if principal is not None:
            stmt = stmt.where(self._tasks_seen(principal))
        n = len(_TASK_COLUMNS)
        return [TaskInCase(StoredTask(*r[:n]), r[n], r[n + 1]) for r in self._session.execute(stmt)]

    def ready_of_cases(self, case_ids: Sequence[int]) -> list[StoredTask]:
        if not case_ids:
            return []
        rows = self._session.execute(
            select(*_TASK_COLUMNS).where(T.case_id.in_(list(case_ids)), _READY_USER_TASK).order_by(T.case_id, T.ordinal)
        )
        return [StoredTask(*r) for r in rows]

    def customer_starters(self, case_ids: Sequence[int]) -> dict[int, str]:
        if not case_ids:
            return {}
        rows = self._session.execute(
            select(E.case_id, UserRecord.display_name)
            .join(UserRecord, UserRecord.username == E.user_name)
            .where(E.case_id.in_(list(case_ids)), E.lifecycle == _STARTED, UserRecord.role == Role.CUSTOMER.value)
        )
        return {case_id: name for case_id, name in rows}

    def _page(self, stmt: Any, order: list[Any], page: int, size: int) -> tuple[int, int, list[Any]]:
        """(rows matching in all, the page shown — the last one when `page` is past it —, its rows)."""
        total = self._session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        page = min(page, max(1, -(-total // size)))
        rows = list(self._session.execute(stmt.order_by(*order).offset((page - 1) * size).limit(size)).all())
        return total, page, rows

    # -- the access rules as SQL conditions ---------------------------------------------------

    def _own_lanes(self, principal: Principal) -> dict[str, set[str]]:
        """Per process key, the lanes of its versions that the principal works (policy.owns_lane)."""
        lanes: dict[str, set[str]] = {}
        for key, actors in self._session.execute(select(V.key, V.actors_json)):
            for lane in json.loads(actors):
                if policy.owns_lane(principal, key, lane):
                    lanes.setdefault(key, set()).add(lane)
        return lanes

    def _customer_lanes(self) -> set[str]:
        """Every lane name of any version that is the customer's (vocabulary.is_customer_lane)."""
        names = {lane for (actors,) in self._session.execute(select(V.actors_json)) for lane in json.loads(actors)}
        return {lane for lane in names if policy.is_customer_lane(lane)}

    def _cases_seen(self, principal: Principal) -> ColumnElement[bool]:
        """policy.takes_part as a condition on CaseRecord: administrators every case, owners their
        processes', customers the cases they started, advisors those they started or that reached a
        lane of theirs."""
        if principal.is_admin:
            return true()
        if principal.role is Role.PROCESS_OWNER:
            return C.process_key.in_(sorted(principal.owned_processes)) if principal.owned_processes else false()
        if principal.role is Role.CUSTOMER:
            return _started_by(principal.username)
        reached = exists().where(E.case_id == C.id, _in_lanes(self._own_lanes(principal), E.lane))
        return or_(_started_by(principal.username), reached)

    def _tasks_seen(self, principal: Principal) -> ColumnElement[bool]:
        """policy.sees_task as a condition on CaseTaskRecord joined with its CaseRecord: owners their
        processes' tasks; everyone else the tasks they work (policy.works_task)."""
        if principal.is_admin:
            return true()
        if principal.role is Role.PROCESS_OWNER:
            return C.process_key.in_(sorted(principal.owned_processes)) if principal.owned_processes else false()
        customers = sorted(self._customer_lanes())
        if principal.role is Role.CUSTOMER:
            return and_(T.lane.in_(customers), _started_by(principal.username))
        if principal.role is not Role.ADVISOR:
            return false()
        # in a case whose customer is no user here, the advisors taking part act in the customer's lane
        on_behalf = and_(T.lane.in_(customers), self._cases_seen(principal), not_(_started_by_a_customer()))
        return or_(_in_lanes(self._own_lanes(principal), T.lane), on_behalf)


def _started_by(username: str) -> ColumnElement[bool]:
    """The case (CaseRecord in the outer query) was started by `username`."""
    return exists().where(E.case_id == C.id, E.lifecycle == _STARTED, E.user_name == username)


def _started_by_a_customer() -> ColumnElement[bool]:
    """The case's starter is a customer user here (gate.started_by_customer)."""
    return exists().where(
        E.case_id == C.id, E.lifecycle == _STARTED, UserRecord.username == E.user_name, UserRecord.role == Role.CUSTOMER.value
    )


def _in_lanes(lanes: dict[str, set[str]], lane_column: Any) -> ColumnElement[bool]:
    if not lanes:
        return false()
    return or_(*(and_(C.process_key == key, lane_column.in_(sorted(names))) for key, names in sorted(lanes.items())))


def _open_since(case_id: Any) -> Any:
    """Since when the case has waited where it is: the start of its oldest open step (a task, a
    timer or message it waits for); none for a finished case."""
    return (
        select(func.min(S.ready_at))
        .where(S.case_id == case_id, S.completed_at.is_(None), S.cancelled_at.is_(None))
        .scalar_subquery()
    )


def _nulls_last(column: Any) -> list[Any]:
    # portable NULLS LAST (SQLite sorts NULL first, PostgreSQL last)
    return [column.is_(None), column]


def _case_order(sort: str, waiting: Any) -> list[Any]:
    return {
        "waiting": [*_nulls_last(waiting), C.id],
        "due": [*_nulls_last(C.next_timer_due), C.id],
        "newest": [C.started_at.desc(), C.id.desc()],
        "oldest": [C.started_at, C.id],
        "process": [V.name, C.id],
    }[sort]


def _task_order(sort: str) -> list[Any]:
    return {
        "waiting": [*_nulls_last(S.ready_at), T.case_id, T.ordinal],
        "due": [*_nulls_last(C.next_timer_due), *_nulls_last(S.ready_at), T.case_id, T.ordinal],
        "newest": [S.ready_at.desc(), T.case_id.desc(), T.ordinal],
        "process": [V.name, T.case_id, T.ordinal],
    }[sort]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_matches(text: str) -> ColumnElement[bool]:
    """The text in the case's data, its process's name, or its number ("#12" or "12"). The data is
    stored as JSON with non-ASCII letters escaped (\\u00e4), which SQL's lower() leaves alone: the
    text is looked for as typed, in lower case, capitalised per word and in upper case, each also
    escaped, so "ääni" finds "Ääni"; ASCII letters match in any case."""
    typed = text.strip()
    variants = {typed, typed.lower(), typed.title(), typed.upper()}
    forms = {v.lower() for v in variants} | {json.dumps(v)[1:-1].lower() for v in variants}
    found: list[ColumnElement[bool]] = [func.lower(C.data_json).like(_like(f), escape="\\") for f in sorted(forms)]
    # SQLite's lower() folds ASCII letters only, PostgreSQL's every letter: one of the variants fits each
    found += [func.lower(V.name).like(_like(_ascii_lower(v)), escape="\\") for v in sorted(variants | {typed.lower()})]
    number = typed.removeprefix("#")
    if number.isdigit() and len(number) <= 10:
        found.append(cast(C.id, String) == number)
    return or_(*found)


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def _claim_matches(claimed: str, username: str) -> ColumnElement[bool]:
    """Who holds the task now, from its last claim event (as ClaimRepository.holders reads it)."""
    last = (
        select(E.lifecycle, E.user_name)
        .where(E.task_id == T.task_id, is_claim_event(E.lifecycle))
        .order_by(E.seq.desc())
        .limit(1)
    )
    kind = last.with_only_columns(E.lifecycle).scalar_subquery()
    holder = last.with_only_columns(E.user_name).scalar_subquery()
    held = kind == Lifecycle.TASK_CLAIMED.value
    if claimed == "free":
        return or_(kind.is_(None), kind == Lifecycle.TASK_UNCLAIMED.value)
    if claimed == "mine":
        return and_(held, holder == username)
    return and_(held, holder != username)
