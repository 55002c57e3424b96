"""Pages: sign-in, the language, processes (upload, versions, card, start a case), cases and their timelines."""

from __future__ import annotations

import pathlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import NoMatchFound

from api.http.deps import KapulaDep
from api.http.schemas import KEY_PATTERN
from api.http.signin import signin_guard
from api.web import forms, i18n, lists, messages, timeline_pages, values
from api.web.render import page
from api.web.session import PageCallerDep, end_session, signed_in, start_session
from engine.access.policy import Role, migrate_refusal, sees_metrics
from engine.display import LANGUAGES, formats
from engine.errors import AuthenticationError, DiagramError, InvalidDataError, TooManyAttemptsError
from engine.model import TimelinePages
from engine.services import Kapula
from engine.services.accounts import Accounts
from engine.services.gate import Caller

router = APIRouter(include_in_schema=False)
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]
CaseIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
SeqQuery = Annotated[int | None, Query(ge=1, le=2**31 - 1)]
_FAVICON = pathlib.Path(__file__).parent / "static" / "favicon.svg"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _local(url: str) -> str:
    """Only our own paths: an open redirect would let a link send a fresh sign-in elsewhere (browsers
    read "/\\host" as "//host", so a backslash second is refused too)."""
    return url if url.startswith("/") and url[1:2] not in ("/", "\\") else "/"


def _remember_language(request: Request, response: Response, language: str) -> None:
    response.set_cookie(
        i18n.COOKIE,
        language,
        max_age=i18n.COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=bool(getattr(request.app.state, "secure_cookies", False)),
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """The icon a browser asks for at /favicon.ico on its own (a page also names it, base.html): the
    shipped SVG, a day in the cache."""
    return FileResponse(_FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/")
def home(request: Request) -> Response:
    user = signed_in(request)
    if user is None:
        return _see_other("/signin")
    role = user.role
    if role is Role.CUSTOMER:
        return _see_other("/portal")  # the customer's services, tasks and cases (api/web/lists.py)
    return _see_other("/processes" if role in (Role.ADMINISTRATOR, Role.PROCESS_OWNER) else "/tasks")


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    return page(request, "signin.html", None, next=next)


@router.post("/signin")
async def signin(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
) -> Response:
    try:
        principal = await signin_guard(request).authenticate(request, username, password)
    except AuthenticationError:
        _ = i18n.words(request, None)
        return page(
            request,
            "signin.html",
            None,
            status_code=401,
            error=_("Väärä käyttäjätunnus tai salasana."),
            username=username,
            next=next,
        )
    except TooManyAttemptsError as exc:
        _ = i18n.words(request, None)
        minutes = -(-exc.retry_after // 60)
        response = page(
            request,
            "signin.html",
            None,
            status_code=429,
            username=username,
            next=next,
            error=_.plural(
                "Liian monta yritystä. Yritä uudelleen %(num)d minuutin kuluttua.",
                "Liian monta yritystä. Yritä uudelleen %(num)d minuutin kuluttua.",
                minutes,
            ),
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    await start_session(request, principal)
    response = _see_other(_local(next))
    if principal.language:  # the user's own choice, also for the pages after they sign out
        _remember_language(request, response, principal.language)
    return response


@router.post("/language")
async def choose_language(request: Request, language: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    """The reader's language: kept with the user when signed in, and in a cookie on this browser."""
    if language not in LANGUAGES:
        raise InvalidDataError(
            f"language {language!r} is not one of {', '.join(LANGUAGES)}",
            field_errors={"language": f"one of {', '.join(LANGUAGES)}"},
        )
    user = signed_in(request)
    if user is not None:
        await run_in_threadpool(Accounts(request.app.state.directory, user).set_language, language)
    response = _see_other(_local(next))
    _remember_language(request, response, language)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    await end_session(request)
    return _see_other("/signin")


@router.get("/processes")
def processes_page(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    return _processes(request, kapula, caller)


def _processes(request: Request, kapula: Kapula, caller: Caller, status_code: int = 200, **extra: Any) -> Response:
    may_upload = caller.principal.role in (Role.ADMINISTRATOR, Role.PROCESS_OWNER)
    return page(
        request,
        "processes.html",
        caller.principal,
        status_code=status_code,
        processes=kapula.processes(caller=caller),
        may_upload=may_upload,
        **extra,
    )


@router.post("/processes/upload")
async def upload_page(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    async with request.form() as form:
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        contents = [(f.filename or "", await f.read()) for f in files]
    _ = i18n.words(request, caller.principal)
    names = ", ".join(name for name, _content in contents) or _("(ei tiedostoa)")
    try:
        result = await run_in_threadpool(lambda: kapula.deploy(contents, caller=caller))
    except DiagramError as exc:
        return await run_in_threadpool(_processes, request, kapula, caller, 422, upload_file=names, upload_errors=exc.issues)
    uploaded = list(zip(result.versions, result.created, strict=True))
    return await run_in_threadpool(_processes, request, kapula, caller, 200, upload_file=names, uploaded=uploaded)


@router.get("/processes/{key}")
def process_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    versions = kapula.versions(key, caller=caller)
    latest = versions[-1]
    view = kapula.diagram_view(key, locale=i18n.choose(request, caller.principal), caller=caller)
    diagram_url = _route_url(request, "process_swimlane_svg", key=key)
    return page(
        request,
        "process.html",
        caller.principal,
        latest=latest,
        versions=versions,
        card=kapula.card(key, caller=caller),
        diagram_url=diagram_url,
        overlays=view.overlays,
        diagram_id=view.diagram_id,
        xml_url=f"/api/processes/{key}/versions/{latest.version}/xml" if view.has_di else None,
        tem_url=f"{diagram_url}?view=tem" if diagram_url and view.has_di else None,
        card_url=_route_url(request, "process_card_page", key=key),
        metrics_url=_route_url(request, "process_metrics_page", key=key) if sees_metrics(caller.principal, latest) else None,
        may_migrate=len(versions) > 1 and migrate_refusal(caller.principal, key) is None,
    )


def _route_url(request: Request, name: str, **params: str) -> str | None:
    """The URL of a route when the app has one by that name: the swimlane drawing and the card
    page are served by the renderer's routes (engine/render), which this page only links to."""
    try:
        return str(request.app.url_path_for(name, **params))
    except NoMatchFound:  # that route is not installed in this app
        return None


@router.get("/processes/{key}/start")
def start_form_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    """The start form on its own address, so a reload or a shared link shows it again."""
    schema = kapula.start_form(key, caller=caller)
    if not (schema and schema.get("properties")):
        return _see_other(f"/processes/{key}")
    return page(request, "start.html", caller.principal, key=key, schema=schema, form_fields=forms.fields(schema))


@router.post("/processes/{key}/start")
async def start_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    async with request.form() as form:
        pass  # a start form has no files; the parsed values stay readable after closing
    schema = await run_in_threadpool(lambda: kapula.start_form(key, caller=caller))
    has_fields = bool(schema and schema.get("properties"))
    if has_fields and form.get("_submitted") is None:
        return _see_other(f"/processes/{key}/start")
    _ = i18n.words(request, caller.principal)
    data, problems = forms.parse(schema, form) if has_fields else ({}, {})
    try:
        if problems:
            raise InvalidDataError("check the fields", field_errors=problems)
        case = await run_in_threadpool(lambda: kapula.start_case(key, data, caller=caller))
    except InvalidDataError as exc:
        error = _("Tarkista merkityt kentät.") if exc.field_errors else messages.invalid(exc, _)
        return page(
            request,
            "start.html",
            caller.principal,
            status_code=422,
            url=f"/processes/{key}/start",
            key=key,
            schema=schema,
            error=error,
            form_fields=forms.fields(schema or {}, data, messages.field_errors(exc.field_errors, _)),
        )
    request.session["flash"] = _("Tapaus #%(id)s aloitettu.", id=case.id)
    return _see_other(f"/cases/{case.id}")


def _process_name(kapula: Kapula, caller: Caller, key: str) -> str:
    return values.process_names(kapula.processes(caller=caller)).get(key, key)


@router.get("/cases")
def cases_page(request: Request, kapula: KapulaDep, caller: PageCallerDep) -> Response:
    """The case list: filters, sort and page in the address (api/web/lists.py)."""
    return lists.case_list_page(request, kapula, caller)


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    kapula: KapulaDep,
    caller: PageCallerDep,
    case_id: CaseIdPath,
    before: SeqQuery = None,
    stages_before: SeqQuery = None,
    handoffs_before: SeqQuery = None,
) -> Response:
    """The case with the latest rows of its timeline, stages and handoffs (timeline_pages.ROWS of
    each), and links to the older ones by the `before`, `stages_before` and `handoffs_before` of the API."""
    timeline = kapula.timeline(case_id, caller=caller)
    case = timeline.case
    rows = timeline_pages.ROWS
    shown = timeline_pages.parts(timeline, TimelinePages(rows, before, rows, stages_before, rows, handoffs_before))
    workable = {t.id for t in kapula.ready_tasks(case_id=case_id, caller=caller)} if case.ready_tasks else set()
    fields = values.case_fields(request.app.state.kapula, case.process_key, case.version)
    return page(
        request,
        "case.html",
        caller.principal,
        case=case,
        shown=shown,
        facts=values.facts(case.data, fields, formats(i18n.choose(request, caller.principal))),
        fields=fields,
        process_name=_process_name(kapula, caller, case.process_key),
        lead_time=timeline.lead_time,
        workable=workable,
        may_cancel=caller.principal.role in (Role.ADMINISTRATOR, Role.PROCESS_OWNER),
        may_erase=caller.principal.role is Role.ADMINISTRATOR,
    )
