"""The process owner's page for moving running cases to another version (docs/migration.md)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.http.deps import KapulaDep
from api.http.schemas import KEY_PATTERN
from api.web import engine_texts, i18n, messages
from api.web.i18n import N_
from api.web.render import page
from api.web.session import PageCallerDep
from engine.errors import AccessDeniedError, InvalidDataError, KapulaError, NotFoundError

router = APIRouter(include_in_schema=False)
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]
# this page's own checks (field_errors["plan"] / ["versions"]) in the reader's words
_FORM_WORDS = {
    "not JSON": N_("Vastaavuudet eivät ole JSONia."),
    "expected an object of element id → element id": N_(
        'Vastaavuudet ovat JSON-olio elementin tunnisteesta toiseen: {"Task_vanha": "Task_uusi"}.'
    ),
    "choose both": N_("Valitse molemmat versiot."),
}


def _plan(text: str) -> dict[str, str]:
    if not text.strip():
        return {}
    try:
        plan = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
        raise InvalidDataError(f"the plan is not JSON: {exc}", field_errors={"plan": "not JSON"}) from exc
    if not isinstance(plan, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in plan.items()):
        raise InvalidDataError(
            'the plan maps element ids to element ids: {"Task_old": "Task_new"}',
            field_errors={"plan": "expected an object of element id → element id"},
        )
    return plan


@router.get("/processes/{key}/migrate")
def migrate_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    versions = kapula.versions(key, caller=caller)
    # the POST's rule: the form is not shown to whom moving is refused, and the refusal is logged
    kapula.check_migrate(key, caller=caller)
    return page(
        request,
        "migrate.html",
        caller.principal,
        key=key,
        versions=versions,
        latest=versions[-1],
        form={"from_version": versions[0].version, "to_version": versions[-1].version, "plan": ""},
    )


@router.post("/processes/{key}/migrate")
async def migrate_submit(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    async with request.form() as form:
        pass
    versions = await run_in_threadpool(lambda: kapula.versions(key, caller=caller))
    values = {name: str(form.get(name, "")) for name in ("from_version", "to_version", "plan")}
    dry_run = form.get("execute") is None
    try:
        if not (values["from_version"].isdigit() and values["to_version"].isdigit()):
            raise InvalidDataError("choose the two versions", field_errors={"versions": "choose both"})
        report = await run_in_threadpool(
            lambda: kapula.migrate_cases(
                key,
                from_version=int(values["from_version"]),
                to_version=int(values["to_version"]),
                mapping=_plan(values["plan"]),
                dry_run=dry_run,
                caller=caller,
            )
        )
    except KapulaError as exc:
        status = 403 if isinstance(exc, AccessDeniedError) else 404 if isinstance(exc, NotFoundError) else 422
        _ = i18n.words(request, caller.principal)
        own = next((_(_FORM_WORDS[m]) for m in getattr(exc, "field_errors", {}).values() if m in _FORM_WORDS), None)
        problems: list[engine_texts.EngineText] = []
        if own is not None:
            error, detail = own, None
        elif status != 422:  # its words, and the engine's own message as the technical detail
            _title, error, detail = messages.page_error(exc, status, _)
        else:  # the plan's problems name the elements and versions: in the reader's words where known
            error, detail = _("Tapauksia ei siirretty."), None
            problems = engine_texts.migration_problems(exc.message, _)
        return page(
            request,
            "migrate.html",
            caller.principal,
            status_code=status,
            url=f"/processes/{key}/migrate",
            key=key,
            versions=versions,
            latest=versions[-1],
            form=values,
            error=error,
            problems=problems,
            detail=detail,
        )
    return page(
        request, "migrate.html", caller.principal, key=key, versions=versions, latest=versions[-1], form=values, report=report
    )
