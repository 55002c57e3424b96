"""Templates and the small formatting helpers the pages share."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from engine.access.policy import Principal

WEB = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB / "templates"))

ROLE_NAMES = {"administrator": "ylläpitäjä", "process_owner": "prosessin omistaja", "advisor": "neuvoja", "customer": "asiakas"}
LIFECYCLE_NAMES = {
    "case_started": "tapaus alkoi", "task_ready": "odottaa", "task_claimed": "otettu työn alle",
    "task_unclaimed": "vapautettu", "task_completed": "valmis", "task_cancelled": "peruttu",
    "case_completed": "tapaus valmis", "case_cancelled": "tapaus peruttu", "case_migrated": "siirretty uuteen versioon",
}
STATUS_NAMES = {"running": "käynnissä", "completed": "valmis", "cancelled": "peruttu"}


def duration(value: timedelta | float | None) -> str:
    """A duration as a person says it: 2 pv 3 h, 3 h 5 min, 40 min, 12 s."""
    if value is None:
        return "–"
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} pv {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"


# times are stored in UTC; pages show them in the network's own time zone
TIME_ZONE = ZoneInfo(os.environ.get("KAPULA_TIME_ZONE", "Europe/Helsinki"))


def when(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone(TIME_ZONE).strftime("%d.%m.%Y %H:%M")


def number(value: float | None) -> str:
    """A measured value as Finnish writes it: 4, 3,5, 199,1."""
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").replace(".", ",")


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"


templates.env.filters["duration"] = duration
templates.env.filters["number"] = number
templates.env.filters["percent"] = percent
templates.env.filters["when"] = when
templates.env.globals.update(ROLE_NAMES=ROLE_NAMES, LIFECYCLE_NAMES=LIFECYCLE_NAMES, STATUS_NAMES=STATUS_NAMES)


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
