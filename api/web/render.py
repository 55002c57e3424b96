"""Templates and the small formatting helpers the pages share."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from api.web import values
from engine import display
from engine.access.policy import Principal

WEB = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB / "templates"))

ROLE_NAMES = {"administrator": "ylläpitäjä", "process_owner": "prosessin omistaja", "advisor": "neuvoja", "customer": "asiakas"}
LIFECYCLE_NAMES = {
    "case_started": "tapaus alkoi", "task_ready": "odottaa", "task_claimed": "otettu työn alle",
    "task_unclaimed": "vapautettu", "task_completed": "valmis", "task_cancelled": "peruttu",
    "case_completed": "tapaus valmis", "case_cancelled": "tapaus peruttu", "case_migrated": "siirretty uuteen versioon",
}
# the reasons kept with a cancellation or an erasure (engine.model.CaseNote.action)
NOTE_NAMES = {"cancel": "syy perumiseen", "erase": "syy henkilötietojen poistoon"}
STATUS_NAMES = {"running": "käynnissä", "completed": "valmis", "cancelled": "peruttu"}


def duration(value: timedelta | float | None) -> str:
    """A duration as a person says it (engine/display.py, Babel): "1 pv 19 t", "3 t 5 min"."""
    return display.duration(value, display.DEFAULT_LOCALE)


# times are stored in UTC; pages show them in the network's own time zone (KAPULA_TIME_ZONE)
def when(value: datetime | None) -> str:
    return display.moment(value, display.DEFAULT_LOCALE)


def number(value: float | None, unit: str | None = None) -> str:
    """A measured value as the locale writes it: 4, 3,5, 199,1 (fi); with its unit when given."""
    return display.number(value, display.DEFAULT_LOCALE, unit=unit)


def percent(share: float | None) -> str:
    return display.percent(share, display.DEFAULT_LOCALE)


templates.env.globals.update(field_label=values.label, field_text=values.text)
templates.env.filters["duration"] = duration
templates.env.filters["number"] = number
templates.env.filters["percent"] = percent
templates.env.filters["when"] = when
templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, LIFECYCLE_NAMES=LIFECYCLE_NAMES, STATUS_NAMES=STATUS_NAMES,
                             NOTE_NAMES=NOTE_NAMES)


def page(request: Request, name: str, user: Principal | None, status_code: int = 200, *, url: str | None = None,
         **context: Any) -> Response:
    """A page. A refused POST answers with the page to fix it on; `url` is that page's own address,
    which htmx puts in the address bar instead of the POST's (so a reload or Back shows the page)."""
    if "flash" not in context and "session" in request.scope:
        context["flash"] = request.session.pop("flash", None)
    response = templates.TemplateResponse(request, name, {"user": user, **context}, status_code=status_code)
    # pages show personal data: no browser or proxy keeps a copy, so Back after sign-out shows nothing
    response.headers["Cache-Control"] = "no-store"
    if request.method != "GET" and status_code >= 400:
        response.headers["HX-Push-Url"] = url or "false"
    return response
