"""The advisors' inbox and case list, and the customer's portal: filters, sort and page from the
address's query (so a list can be bookmarked and shared), one page read from the engine's read model
(Kapula.case_list / task_list: filtered, sorted and paged by the database)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.http.deps import KapulaDep
from api.web.render import page
from api.web.session import PageCallerDep
from engine.access.policy import Role, is_customer_lane
from engine.model import (
    CASE_SORTS,
    CLAIM_FILTERS,
    MAX_PAGE_SIZE,
    TASK_SORTS,
    CaseQuery,
    CaseStatus,
    ProcessVersion,
    TaskQuery,
)
from engine.services import Kapula
from engine.services.gate import Caller

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
# a timer due within this is marked "soon" in the lists
SOON = timedelta(days=2)


def _text(params: Mapping[str, str], name: str, allowed: tuple[str, ...] | None = None, limit: int = 200) -> str | None:
    value = str(params.get(name) or "").strip()[:limit] or None
    return value if allowed is None or value in allowed else None


def _int(params: Mapping[str, str], name: str, default: int, top: int) -> int:
    raw = str(params.get(name) or "")
    return min(max(int(raw), 1), top) if raw.isdigit() and len(raw) < 10 else default


def case_query(params: Mapping[str, str]) -> CaseQuery:
    """The case list's query from the address (?process=&status=&lane=&q=&sort=&page=&size=); a
    value the list does not know is left out, so an old bookmark still opens."""
    status = _text(params, "status", tuple(s.value for s in CaseStatus))
    return CaseQuery(
        process_key=_text(params, "process", limit=255),
        status=CaseStatus(status) if status else None,
        lane=_text(params, "lane", limit=255),
        text=_text(params, "q"),
        sort=_text(params, "sort", CASE_SORTS) or "waiting",
        page=_int(params, "page", 1, 10**6),
        page_size=_int(params, "size", PAGE_SIZE, MAX_PAGE_SIZE),
    )


def task_query(params: Mapping[str, str]) -> TaskQuery:
    """The inbox's query from the address (?process=&lane=&claimed=&q=&sort=&page=&size=)."""
    return TaskQuery(
        process_key=_text(params, "process", limit=255),
        lane=_text(params, "lane", limit=255),
        claimed=_text(params, "claimed", CLAIM_FILTERS),
        text=_text(params, "q"),
        sort=_text(params, "sort", TASK_SORTS) or "waiting",
        page=_int(params, "page", 1, 10**6),
        page_size=_int(params, "size", PAGE_SIZE, MAX_PAGE_SIZE),
    )


def _address(query: CaseQuery | TaskQuery, **change: Any) -> str:
    """The query string of `query` with `change` (e.g. page=2), leaving out what is at its default."""
    values = {
        "process": query.process_key,
        "lane": query.lane,
        "q": query.text,
        "sort": query.sort,
        "page": query.page,
        "size": query.page_size,
    }
    if isinstance(query, CaseQuery):
        values["status"] = query.status.value if query.status else None
    else:
        values["claimed"] = query.claimed
    values.update(change)
    defaults = {"sort": "waiting", "page": 1, "size": PAGE_SIZE}
    return urlencode({k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v})


def _lanes(processes: list[ProcessVersion]) -> list[str]:
    return sorted({lane for p in processes for lane in p.actors}, key=str.casefold)


def process_choices(processes: list[ProcessVersion]) -> list[tuple[str, str]]:
    """The process filter's options, (key, text): the name, and where two processes share a name
    (19 uploads called "Format bomb"), the key after it, "Format bomb (format_bomb_7)", so they can
    be told apart; a name that is empty shows the key."""
    names = Counter(p.name.strip().casefold() for p in processes)
    return [
        (p.key, p.key if not p.name.strip() else f"{p.name} ({p.key})" if names[p.name.strip().casefold()] > 1 else p.name)
        for p in processes
    ]


def due_mark(due: datetime | None, now: datetime) -> str | None:
    """ "overdue" when the due time has passed, "soon" within SOON, else None."""
    if due is None:
        return None
    return "overdue" if due <= now else "soon" if due - now <= SOON else None


def _list_context(kapula: Kapula, caller: Caller, query: CaseQuery | TaskQuery, path: str) -> dict[str, Any]:
    processes = kapula.processes(caller=caller)
    return {
        "query": query,
        "processes": processes,
        "process_choices": process_choices(processes),
        "lanes": _lanes(processes),
        "now": kapula.clock.now(),
        "due_mark": due_mark,
        "address": lambda **change: f"{path}?{_address(query, **change)}".rstrip("?"),
        "query_string": _address(query),
    }


def _canonical(request: Request, query: CaseQuery | TaskQuery) -> Response | None:
    """A redirect to the list's own address when the query says more than it needs (a filter form
    sends its empty fields too): what is bookmarked or shared is the short address."""
    wanted = _address(query)
    if request.url.query != wanted:
        return RedirectResponse(f"{request.url.path}?{wanted}".rstrip("?"), status_code=303)
    return None


def case_list_page(request: Request, kapula: Kapula, caller: Caller) -> Response:
    query = case_query(request.query_params)
    if (redirect := _canonical(request, query)) is not None:
        return redirect
    listed = kapula.case_list(query, caller=caller)
    return page(
        request,
        "cases.html",
        caller.principal,
        listed=listed,
        statuses=[s.value for s in CaseStatus],
        sorts=CASE_SORTS,
        **_list_context(kapula, caller, query, "/cases"),
    )


def inbox_page(request: Request, kapula: Kapula, caller: Caller, template: str = "inbox.html") -> Response:
    query = task_query(request.query_params)
    if template == "inbox.html" and (redirect := _canonical(request, query)) is not None:
        return redirect
    listed = kapula.task_list(query, caller=caller)
    return page(
        request,
        template,
        caller.principal,
        listed=listed,
        sorts=TASK_SORTS,
        claims=CLAIM_FILTERS,
        poll_seconds=request.app.state.poll_seconds,
        **_list_context(kapula, caller, query, "/tasks"),
    )


@router.get("/portal")
def portal(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    """The customer's own page: the services they may start, the tasks waiting for them, and their
    cases with where each is now and since when (no measurements: policy.sees_metrics)."""
    if caller.principal.role is not Role.CUSTOMER:
        return RedirectResponse("/", status_code=303)
    services = [(p, kapula.card(p.key, caller=caller)) for p in kapula.processes(caller=caller) if p.runnable]
    tasks = kapula.task_list(TaskQuery(page_size=MAX_PAGE_SIZE), caller=caller)
    cases = kapula.case_list(CaseQuery(sort="newest", page_size=10), caller=caller)
    return page(
        request,
        "portal.html",
        caller.principal,
        services=services,
        tasks=tasks,
        cases=cases,
        now=kapula.clock.now(),
        due_mark=due_mark,
        is_customer_lane=is_customer_lane,
    )
