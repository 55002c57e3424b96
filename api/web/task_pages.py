"""The advisor's (and customer's) task inbox: live list, claim, the task's form, complete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.http.deps import KapulaDep
from api.http.schemas import TASK_ID_PATTERN
from api.web import forms, i18n, lists, messages
from api.web import values as readable
from api.web.render import page
from api.web.session import PageCallerDep
from engine.access import policy
from engine.display import formats
from engine.errors import AccessDeniedError, ConflictError, InvalidDataError
from engine.model import TaskView
from engine.services import Kapula
from engine.services.gate import Caller

router = APIRouter(include_in_schema=False)
TaskIdPath = Annotated[str, Path(pattern=TASK_ID_PATTERN)]


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/tasks")
def inbox(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    """The inbox: filters, sort and page in the address (api/web/lists.py)."""
    return lists.inbox_page(request, kapula, caller)


@router.get("/tasks/inbox")
def inbox_list(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    """The inbox's list alone, with the same query: htmx polls it, so a task handed to this lane
    appears without a reload."""
    return lists.inbox_page(request, kapula, caller, "_inbox_list.html")


@router.get("/tasks/{task_id}")
def task_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, task_id: TaskIdPath) -> Response:
    return _task(request, kapula, caller, kapula.get_task(task_id, caller=caller))


def _task(
    request: Request,
    kapula: Kapula,
    caller: Caller,
    task: TaskView,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    raw: str | None = None,
) -> Response:
    schema = kapula.task_form(task.id, caller=caller)
    errors = errors or {}
    case = kapula.get_case(task.case_id, caller=caller)
    fields = readable.case_fields(request.app.state.kapula, case.process_key, case.version)
    language = i18n.choose(request, caller.principal)
    return page(
        request,
        "task.html",
        caller.principal,
        status_code=status_code,
        url=f"/tasks/{task.id}",
        task=task,
        schema=schema,
        form_fields=forms.fields(schema, values, errors) if schema else [],
        # without a form, staff may give the step data (the JSON box); a customer only completes it
        gives_data=schema is not None or policy.gives_formless_data(caller.principal),
        error=error,
        raw_value=raw,
        raw_error=errors.get(forms.RAW_FIELD),
        case_facts=readable.facts(case.data, fields, formats(language)),
        process_name=readable.process_names(kapula.processes(caller=caller)).get(task.process_key, task.process_key),
    )


@router.post("/tasks/{task_id}/claim")
def claim(request: Request, kapula: KapulaDep, caller: PageCallerDep, task_id: TaskIdPath) -> Response:
    try:
        kapula.claim_task(task_id, caller=caller)
    except ConflictError as exc:
        return _refused(request, kapula, caller, task_id, exc)
    return _see_other(f"/tasks/{task_id}")


def _refused(
    request: Request, kapula: Kapula, caller: Caller, task_id: str, exc: ConflictError, *, status_code: int = 409
) -> Response:
    """Someone else claimed or completed the task first: its page as it is now, saying who holds it."""
    task = kapula.get_task(task_id, caller=caller)
    return _task(
        request,
        kapula,
        caller,
        task,
        status_code=status_code,
        error=messages.conflict(exc, task, i18n.words(request, caller.principal)),
    )


@router.post("/tasks/{task_id}/unclaim")
def unclaim(request: Request, kapula: KapulaDep, caller: PageCallerDep, task_id: TaskIdPath) -> Response:
    try:
        kapula.unclaim_task(task_id, caller=caller)
    except ConflictError as exc:  # not claimed any more, or its case ended meanwhile
        return _refused(request, kapula, caller, task_id, exc)
    except AccessDeniedError:
        # from a page older than a colleague's claim: say who holds the task now, not the 403 of a
        # task in another organisation's lane (get_task raises that one when it is the case)
        task = kapula.get_task(task_id, caller=caller)
        if not task.claimed_by or task.claimed_by == caller.username:
            raise
        return _refused(request, kapula, caller, task_id, ConflictError(f"claimed by {task.claimed_by}"), status_code=403)
    return _see_other("/tasks")


@router.post("/tasks/{task_id}/complete")
async def complete(request: Request, kapula: KapulaDep, caller: PageCallerDep, task_id: TaskIdPath) -> Response:
    async with request.form() as form:
        pass  # a task form has no files; the parsed values stay readable after closing
    task = await run_in_threadpool(lambda: kapula.get_task(task_id, caller=caller))
    schema = await run_in_threadpool(lambda: kapula.task_form(task_id, caller=caller))
    data, problems = forms.parse(schema, form)
    raw = str(form.get(forms.RAW_FIELD) or "") or None
    _ = i18n.words(request, caller.principal)
    try:
        if problems:
            raise InvalidDataError("check the fields", field_errors=problems)
        case = await run_in_threadpool(lambda: kapula.complete_task(task_id, data, caller=caller))
    except InvalidDataError as exc:
        error = _("Tarkista merkityt kentät.") if exc.field_errors else messages.invalid(exc, _)
        return await run_in_threadpool(
            lambda: _task(
                request,
                kapula,
                caller,
                task,
                status_code=422,
                values=data,
                errors=messages.field_errors(exc.field_errors, _),
                error=error,
                raw=raw,
            )
        )
    except ConflictError as exc:
        return await run_in_threadpool(_refused, request, kapula, caller, task_id, exc)
    moved_to = ", ".join(sorted({t.lane or "–" for t in case.ready_tasks})) or None
    request.session["flash"] = (
        _("%(task)s: valmis. Tapaus #%(id)s siirtyi: %(lanes)s.", task=task.name, id=case.id, lanes=moved_to)
        if moved_to
        else _("%(task)s: valmis.", task=task.name)
    )
    return _see_other("/tasks")
