"""The advisors' inbox and the case lists (the customer's own cases too): one page each, filtered,
counted, sorted and paged by the unit of work's listing read model (engine.persistence.ports.
ListingReads: in one database query each, the access rules as SQL conditions), so a page costs the
same with ten cases or a hundred thousand (issue 15, item 6); each row of the page is checked
again here with the pure rules."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from engine import claims
from engine.access import policy
from engine.errors import InvalidDataError
from engine.model import (
    CASE_SORTS,
    CLAIM_FILTERS,
    MAX_PAGE_SIZE,
    TASK_SORTS,
    CaseQuery,
    CaseRow,
    CaseStatus,
    ListPage,
    TaskQuery,
    TaskRow,
    TaskView,
)
from engine.persistence.ports import ListedCase, ListedTask
from engine.services.gate import Caller, CaseFacts, entry
from engine.services.shared import ServiceBase, waits_of
from engine.vocabulary import CUSTOMER_FIELDS

MAX_TEXT = 200


class ListingUseCases(ServiceBase):
    """One page of the case list or the inbox, as the caller may see them."""

    def case_list(self, query: CaseQuery, *, caller: Caller) -> ListPage[CaseRow]:
        """The page `query` asks for of the cases the caller takes part in (policy.takes_part).
        Each listed case is entered in the access log as `list`. Raises InvalidDataError naming
        the query field (`sort`, `page`, `page_size`, `text`)."""
        _check_page(query.sort, CASE_SORTS, query.page, query.page_size, query.text)
        with self._transaction(read=True) as session:
            total, page, listed = self._unit(session).listing.case_page(query, caller.principal)
            found = self._case_rows(session, caller, listed)
        self._audit([entry(caller, "list", self._clock.now(), case_id=r.id) for r in found])
        return ListPage(tuple(found), total, page, query.page_size)

    def task_list(self, query: TaskQuery, *, caller: Caller) -> ListPage[TaskRow]:
        """The page `query` asks for of the ready user tasks the caller sees (policy.sees_task).
        Raises InvalidDataError naming the query field (`sort`, `claimed`, `page`, `page_size`, `text`)."""
        _check_page(query.sort, TASK_SORTS, query.page, query.page_size, query.text)
        if query.claimed is not None and query.claimed not in CLAIM_FILTERS:
            raise InvalidDataError(f"claimed must be one of {', '.join(CLAIM_FILTERS)}", field_errors={"claimed": "unknown"})
        with self._transaction(read=True) as session:
            total, page, listed = self._unit(session).listing.task_page(query, caller.principal)
            found = self._task_rows(session, caller, listed)
        return ListPage(tuple(found), total, page, query.page_size)

    def _case_rows(self, session: Session, caller: Caller, listed: list[ListedCase]) -> list[CaseRow]:
        uow = self._unit(session)
        cases = {item.case.id: item.case for item in listed}
        ready: dict[int, list[TaskView]] = {}
        views = [self._task_view(session, t, cases[t.case_id]) for t in uow.listing.ready_of_cases(list(cases))]
        for view in claims.with_claims(uow.claims, views):
            ready.setdefault(view.case_id, []).append(view)
        starters = uow.listing.customer_starters(list(cases))
        facts = CaseFacts(uow)
        out = []
        for item in listed:
            record = item.case
            due, waiting_for = waits_of(record)
            # the SQL rule is the pure rule (tests hold them equal); checked again on the page's rows
            if not policy.takes_part(caller.principal, record.process_key, facts.part_events(caller.principal, record.id)):
                continue
            out.append(
                CaseRow(
                    id=record.id,
                    process_key=record.process_key,
                    process_name=item.process_name,
                    version=self._deployed(session, record.process_version_id).version,
                    status=CaseStatus(record.status),
                    started_at=record.started_at,
                    ended_at=record.ended_at,
                    customer=_customer(record.data_json) or starters.get(record.id),
                    waiting_since=item.waiting_since,
                    due=due,
                    tasks=tuple(ready.get(record.id, ())),
                    waiting_for=waiting_for,
                    incident=self._open_incident(session, record),
                )
            )
        return out

    def _task_rows(self, session: Session, caller: Caller, listed: list[ListedTask]) -> list[TaskRow]:
        uow = self._unit(session)
        views = claims.with_claims(uow.claims, [self._task_view(session, item.task, item.case) for item in listed])
        starters = uow.listing.customer_starters(list({item.case.id for item in listed}))
        facts = CaseFacts(uow)
        out = []
        for view, item in zip(views, listed, strict=True):
            if not policy.sees_task(caller.principal, facts.task(view, principal=caller.principal)):
                continue
            out.append(
                TaskRow(
                    view,
                    item.process_name,
                    _customer(item.case.data_json) or starters.get(item.case.id),
                    item.ready_at,
                    item.case.next_timer_due,
                )
            )
        return out


def _check_page(sort: str, sorts: tuple[str, ...], page: int, page_size: int, text: str | None) -> None:
    if sort not in sorts:
        raise InvalidDataError(f"sort must be one of {', '.join(sorts)}", field_errors={"sort": "unknown"})
    if page < 1:
        raise InvalidDataError("page counts from 1", field_errors={"page": "at least 1"})
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidDataError(f"page_size must be 1–{MAX_PAGE_SIZE}", field_errors={"page_size": f"1–{MAX_PAGE_SIZE}"})
    if text is not None and len(text) > MAX_TEXT:
        raise InvalidDataError(
            f"the search text is longer than {MAX_TEXT} characters", field_errors={"text": f"at most {MAX_TEXT}"}
        )


def _customer(data_json: str) -> str | None:
    """The customer named in the case's data (vocabulary.CUSTOMER_FIELDS), if any."""
    data = json.loads(data_json or "{}")
    for field in CUSTOMER_FIELDS:
        value = data.get(field) if isinstance(data, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return None
