"""Cancelling a case and erasing its personal data from the pages (each asks first, with a reason),
and retrying a failed case's step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from api.http.deps import KapulaDep
from api.web import i18n, messages
from api.web.i18n import N_, Words
from api.web.render import page
from api.web.session import PageCallerDep
from engine.errors import CaseStepError, InvalidDataError
from engine.services import Kapula
from engine.services.gate import Caller

router = APIRouter(include_in_schema=False)
CaseIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_REASON = 500

# action → (heading, what happens, button); the texts are message ids (api/web/i18n.py)
ACTIONS = {
    "cancel": (
        N_("Peru tapaus"),
        N_("Tapaus pysähtyy: sen avoimet tehtävät poistuvat kaikkien tehtävälistoilta, eikä sitä voi jatkaa."),
        N_("Peru tapaus"),
    ),
    "erase": (
        N_("Poista henkilötiedot"),
        N_(
            "Tapauksen henkilötiedoiksi merkityt kentät korvataan tapauksen tiedoissa, tehtävissä ja lokissa. "
            "Mittarit säilyvät. Poistoa ei voi perua."
        ),
        N_("Poista henkilötiedot"),
    ),
}


def _confirm(
    request: Request,
    kapula: Kapula,
    caller: Caller,
    case_id: int,
    action: str,
    *,
    status_code: int = 200,
    reason: str = "",
    error: str | None = None,
) -> Response:
    title, consequence, button = ACTIONS[action]
    case = kapula.get_case(case_id, caller=caller)
    # the POST's rule: the form is not shown to whom the step is refused, and the refusal is logged
    if action == "cancel":
        kapula.check_cancel(case_id, caller=caller)
    else:
        kapula.check_erase(case_id, caller=caller)
    _ = i18n.words(request, caller.principal)
    return page(
        request,
        "confirm.html",
        caller.principal,
        status_code=status_code,
        url=f"/cases/{case_id}/{action}",
        case=case,
        action=action,
        title=_(title),
        consequence=_(consequence),
        button=_(button),
        reason=reason,
        error=error,
    )


@router.get("/cases/{case_id}/cancel")
def cancel_confirm(request: Request, kapula: KapulaDep, caller: PageCallerDep, case_id: CaseIdPath) -> Response:
    return _confirm(request, kapula, caller, case_id, "cancel")


@router.get("/cases/{case_id}/erase")
def erase_confirm(request: Request, kapula: KapulaDep, caller: PageCallerDep, case_id: CaseIdPath) -> Response:
    return _confirm(request, kapula, caller, case_id, "erase")


def _reason_problem(reason: str, _: Words) -> str | None:
    if not reason.strip():
        return _("Kirjoita syy.")
    if len(reason) > MAX_REASON:
        return _("Enintään %(n)s merkkiä.", n=MAX_REASON)
    return None


@router.post("/cases/{case_id}/cancel")
def cancel(
    request: Request, kapula: KapulaDep, caller: PageCallerDep, case_id: CaseIdPath, reason: Annotated[str, Form()] = ""
) -> Response:
    _ = i18n.words(request, caller.principal)
    problem = _reason_problem(reason, _)
    if problem:
        return _confirm(request, kapula, caller, case_id, "cancel", status_code=422, reason=reason, error=problem)
    kapula.cancel_case(case_id, reason=reason, caller=caller)
    request.session["flash"] = _("Tapaus #%(id)s peruttu.", id=case_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/erase")
def erase(
    request: Request, kapula: KapulaDep, caller: PageCallerDep, case_id: CaseIdPath, reason: Annotated[str, Form()] = ""
) -> Response:
    _ = i18n.words(request, caller.principal)
    problem = _reason_problem(reason, _)
    if problem:
        return _confirm(request, kapula, caller, case_id, "erase", status_code=422, reason=reason, error=problem)
    try:
        result = kapula.erase_personal_data(case_id, reason=reason, caller=caller)
    except InvalidDataError:
        return _confirm(
            request,
            kapula,
            caller,
            case_id,
            "erase",
            status_code=422,
            reason=reason,
            error=_("Prosessin lomakkeissa ei ole henkilötiedoiksi merkittyjä kenttiä; mitään ei poistettu."),
        )
    request.session["flash"] = _(
        "Tapauksen #%(id)s henkilötiedot poistettu: %(fields)s.", id=case_id, fields=", ".join(result.fields)
    )
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/retry")
def retry(request: Request, kapula: KapulaDep, caller: PageCallerDep, case_id: CaseIdPath) -> Response:
    """Run the failed step again (the service checks who may); if it fails again the case page says why."""
    _ = i18n.words(request, caller.principal)
    try:
        kapula.retry_case(case_id, caller=caller)
    except CaseStepError as exc:  # the engine's message names the element: kept as it is
        request.session["flash"] = messages.engine_flash(
            N_("Tapaus #%(id)s: uusi yritys epäonnistui. %(reason)s"), exc.message, _, id=case_id
        )
    else:
        request.session["flash"] = _("Tapaus #%(id)s jatkuu.", id=case_id)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
