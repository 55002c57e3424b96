"""The advisors' inbox and the case lists (the customer's own cases too): filtered, counted, sorted
and paged in one database query each, narrowed by the access rules in SQL (engine.services.visible),
so a page costs the same with ten cases or a hundred thousand (issue 15, item 6)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session

from engine import claims
from engine.access import policy
from engine.access.policy import Role
from engine.case_store import waiting_from_json
from engine.errors import InvalidDataError
from engine.model import (
    CASE_SORTS, CLAIM_FILTERS, MAX_PAGE_SIZE, TASK_SORTS, CaseQuery, CaseRow, CaseStatus, Lifecycle, ListPage,
    TaskQuery, TaskRow, TaskView,
)
from engine.persistence.tables import (
    CaseRecord, CaseTaskRecord, EventRecord, ProcessVersionRecord, TaskSpanRecord, UserRecord,
)
from engine.runtime.states import READY
from engine.services import visible
from engine.services.gate import CaseFacts, Caller, entry
from engine.services.shared import ServiceBase
from engine.vocabulary import CUSTOMER_FIELDS

MAX_TEXT = 200
_CLAIM_EVENTS = (Lifecycle.TASK_CLAIMED.value, Lifecycle.TASK_UNCLAIMED.value)

C, T, E, S, V = CaseRecord, CaseTaskRecord, EventRecord, TaskSpanRecord, ProcessVersionRecord


class ListingUseCases(ServiceBase):
    """One page of the case list or the inbox, as the caller may see them."""

    def case_list(self, query: CaseQuery, *, caller: Caller) -> ListPage[CaseRow]:
        """The page `query` asks for of the cases the caller takes part in (policy.takes_part).
        Each listed case is entered in the access log as `list`. Raises InvalidDataError naming
        the query field (`sort`, `page`, `page_size`, `text`)."""
        _check_page(query.sort, CASE_SORTS, query.page, query.page_size, query.text)
        with self._transaction(read=True) as session:
            waiting = _open_since(C.id)
            stmt = (select(C, V.name, waiting.label("waiting_since")).join(V, V.id == C.process_version_id)
                    .where(visible.cases_seen(session, caller.principal)))
            if query.process_key is not None:
                stmt = stmt.where(C.process_key == query.process_key)
            if query.status is not None:
                stmt = stmt.where(C.status == query.status.value)
            if query.lane:
                stmt = stmt.where(exists().where(T.case_id == C.id, T.state == READY, T.manual.is_(True), T.lane == query.lane))
            if query.text and query.text.strip():
                stmt = stmt.where(_text_matches(query.text))
            total, page, rows = _page(session, stmt, _case_order(query.sort, waiting), query.page, query.page_size)
            found = self._case_rows(session, caller, rows)
        self._audit([entry(caller, "list", self._clock.now(), case_id=r.id) for r in found])
        return ListPage(tuple(found), total, page, query.page_size)

    def task_list(self, query: TaskQuery, *, caller: Caller) -> ListPage[TaskRow]:
        """The page `query` asks for of the ready user tasks the caller sees (policy.sees_task).
        Raises InvalidDataError naming the query field (`sort`, `claimed`, `page`, `page_size`, `text`)."""
        _check_page(query.sort, TASK_SORTS, query.page, query.page_size, query.text)
        if query.claimed is not None and query.claimed not in CLAIM_FILTERS:
            raise InvalidDataError(f"claimed must be one of {', '.join(CLAIM_FILTERS)}", field_errors={"claimed": "unknown"})
        with self._transaction(read=True) as session:
            stmt = (select(T, C, V.name, S.ready_at)
                    .join(C, C.id == T.case_id).join(V, V.id == C.process_version_id)
                    .outerjoin(S, and_(S.case_id == T.case_id, S.task_id == T.task_id))
                    .where(T.state == READY, T.manual.is_(True), C.status == CaseStatus.RUNNING.value,
                           visible.tasks_seen(session, caller.principal)))
            if query.process_key is not None:
                stmt = stmt.where(C.process_key == query.process_key)
            if query.lane:
                stmt = stmt.where(T.lane == query.lane)
            if query.claimed is not None:
                stmt = stmt.where(_claim_matches(query.claimed, caller.username))
            if query.text and query.text.strip():
                stmt = stmt.where(_text_matches(query.text))
            total, page, rows = _page(session, stmt, _task_order(query.sort), query.page, query.page_size)
            found = self._task_rows(session, caller, rows)
        return ListPage(tuple(found), total, page, query.page_size)

    def _case_rows(self, session: Session, caller: Caller, rows: list[Any]) -> list[CaseRow]:
        ids = [r[0].id for r in rows]
        ready: dict[int, list[TaskView]] = {}
        task_rows = session.execute(select(T, C).join(C, C.id == T.case_id)
                                    .where(T.case_id.in_(ids), T.state == READY, T.manual.is_(True))
                                    .order_by(T.case_id, T.ordinal)).all() if ids else []
        for view in claims.with_claims(self._unit(session).claims, [self._task_view(session, t, c) for t, c in task_rows]):
            ready.setdefault(view.case_id, []).append(view)
        starters = _customer_starters(session, ids)
        facts = CaseFacts(self._unit(session))
        out = []
        for record, name, since in rows:
            # the SQL rule is the pure rule (tests hold them equal); checked again on the page's rows
            if not policy.takes_part(caller.principal, record.process_key, facts.events(record.id)):
                continue
            out.append(CaseRow(
                id=record.id, process_key=record.process_key, process_name=name,
                version=self._deployed(session, record.process_version_id).version,
                status=CaseStatus(record.status), started_at=record.started_at, ended_at=record.ended_at,
                customer=_customer(record.data_json) or starters.get(record.id), waiting_since=since,
                due=record.next_timer_due, tasks=tuple(ready.get(record.id, ())),
                waiting_for=waiting_from_json(record.waiting_json), incident=self._open_incident(session, record),
            ))
        return out

    def _task_rows(self, session: Session, caller: Caller, rows: list[Any]) -> list[TaskRow]:
        views = claims.with_claims(self._unit(session).claims, [self._task_view(session, t, c) for t, c, _name, _since in rows])
        starters = _customer_starters(session, list({c.id for _t, c, _n, _s in rows}))
        facts = CaseFacts(self._unit(session))
        out = []
        for view, (_task, case, name, since) in zip(views, rows, strict=True):
            if not policy.sees_task(caller.principal, facts.task(view, principal=caller.principal)):
                continue
            out.append(TaskRow(view, name, _customer(case.data_json) or starters.get(case.id), since, case.next_timer_due))
        return out


def _check_page(sort: str, sorts: tuple[str, ...], page: int, page_size: int, text: str | None) -> None:
    if sort not in sorts:
        raise InvalidDataError(f"sort must be one of {', '.join(sorts)}", field_errors={"sort": "unknown"})
    if page < 1:
        raise InvalidDataError("page counts from 1", field_errors={"page": "at least 1"})
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidDataError(f"page_size must be 1–{MAX_PAGE_SIZE}", field_errors={"page_size": f"1–{MAX_PAGE_SIZE}"})
    if text is not None and len(text) > MAX_TEXT:
        raise InvalidDataError(f"the search text is longer than {MAX_TEXT} characters", field_errors={"text": f"at most {MAX_TEXT}"})


def _open_since(case_id: Any) -> Any:
    """Since when the case has waited where it is: the start of its oldest open step (a task, a
    timer or message it waits for); none for a finished case."""
    return (select(func.min(S.ready_at))
            .where(S.case_id == case_id, S.completed_at.is_(None), S.cancelled_at.is_(None))
            .scalar_subquery())


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


def _page(session: Session, stmt: Any, order: list[Any], page: int, size: int) -> tuple[int, int, list[Any]]:
    """(rows matching in all, the page shown — the last one when `page` is past it —, its rows)."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = min(page, max(1, -(-total // size)))
    rows = list(session.execute(stmt.order_by(*order).offset((page - 1) * size).limit(size)).all())
    return total, page, rows


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
    """Who holds the task now, from its last claim event (ClaimRepository.holders in engine.persistence)."""
    last = (select(E.lifecycle, E.user_name).where(E.task_id == T.task_id, E.lifecycle.in_(_CLAIM_EVENTS))
            .order_by(E.seq.desc()).limit(1))
    kind = last.with_only_columns(E.lifecycle).scalar_subquery()
    holder = last.with_only_columns(E.user_name).scalar_subquery()
    held = kind == Lifecycle.TASK_CLAIMED.value
    if claimed == "free":
        return or_(kind.is_(None), kind == Lifecycle.TASK_UNCLAIMED.value)
    if claimed == "mine":
        return and_(held, holder == username)
    return and_(held, holder != username)


def _customer(data_json: str) -> str | None:
    """The customer named in the case's data (vocabulary.CUSTOMER_FIELDS), if any."""
    data = json.loads(data_json or "{}")
    for field in CUSTOMER_FIELDS:
        value = data.get(field) if isinstance(data, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def _customer_starters(session: Session, case_ids: list[int]) -> dict[int, str]:
    """The display name of each case's starter who is a customer user here."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(E.case_id, UserRecord.display_name).join(UserRecord, UserRecord.username == E.user_name)
        .where(E.case_id.in_(case_ids), E.lifecycle == Lifecycle.CASE_STARTED.value, UserRecord.role == Role.CUSTOMER.value)
    )
    return {case_id: name for case_id, name in rows}
