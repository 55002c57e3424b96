"""Pages of a process's measurements: its swimlane drawing, its full card and its metrics page."""

from __future__ import annotations

import re
from html import escape
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, Response

from api.http.deps import KapulaDep
from api.http.headers import page_policy_with_styles
from api.http.schemas import KEY_PATTERN
from api.web import i18n, metrics_view
from api.web.render import page
from engine import display
from api.web.session import PageCallerDep
from engine.errors import InvalidDataError

router = APIRouter(include_in_schema=False)
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]


@router.get("/processes/{key}/swimlanes.svg", name="process_swimlane_svg")
def swimlane_svg(kapula: KapulaDep, caller: PageCallerDep, key: KeyPath, view: Literal["auto", "di", "tem"] = "auto") -> Response:
    """The latest version as laid out in its file (BPMN DI) or, with view=tem or without DI, by
    the TEM swimlane rules; with measured medians and handoffs."""
    return Response(kapula.swimlane(key, "svg", view=view, caller=caller), media_type="image/svg+xml")


@router.get("/processes/{key}/card", name="process_card_page")
def card_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    # the card names its drawing relative to itself: /processes/{key}/swimlanes.svg
    html = kapula.card_page(key, svg_name="swimlanes.svg", caller=caller).html
    # a way back into the app (the card files `kapula docs` writes stand alone and have none)
    back = escape(i18n.words(request, caller.principal)("Prosessin sivulle"))
    html = html.replace("<body>", f'<body>\n<p><a class="back" href="/processes/{key}">← {back}</a></p>', 1)
    # the generated card carries its own small style sheet: allow exactly that one, no scripts
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy_with_styles(*styles)})


@router.get("/processes/{key}/metrics", name="process_metrics_page")
def metrics_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath, version: str | None = None,
                 lane: str | None = None, segment: str | None = None, since: str | None = None,
                 until: str | None = None) -> Response:
    """Cases, lead times, throughput, stages, handoffs, targets and stuck cases; an empty form
    field means no filter, and `until` is the last day counted."""
    versions = kapula.versions(key, caller=caller)
    chosen = {"version": _version(version), "lane": lane or None, "segment": segment or None,
              "since": _day_start(since, "since"), "until": _day_start(until, "until", next_day=True)}
    measured = kapula.metrics(key, **chosen, caller=caller)
    del chosen["lane"]  # lead times are of whole cases: a lane does not narrow them
    histogram = kapula.lead_time_distribution(key, **chosen, caller=caller)
    form = {"version": version or "", "lane": lane or "", "segment": segment or "", "since": since or "", "until": until or ""}
    return page(request, "metrics.html", caller.principal, latest=versions[-1], versions=versions, form=form,
                view=metrics_view.build(measured, histogram, versions[-1].actors, i18n.words(request, caller.principal)))


def _version(raw: str | None) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise InvalidDataError("version is a positive whole number", field_errors={"version": "a positive whole number"})
    return int(raw)


def _day_start(raw: str | None, name: str, *, next_day: bool = False) -> datetime | None:
    """Midnight of the day `raw` (YYYY-MM-DD) in the network's time zone; of the day after for an
    inclusive last day, since the engine's window is [since, until)."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) + timedelta(days=1 if next_day else 0)
    except (ValueError, OverflowError) as exc:
        raise InvalidDataError(f"{name} is a date written YYYY-MM-DD", field_errors={name: "a date written YYYY-MM-DD"}) from exc
    return datetime.combine(day, time(), tzinfo=display.time_zone())
