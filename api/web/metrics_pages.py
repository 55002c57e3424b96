"""Pages of a process's measurements: its swimlane drawing, its full card and its metrics page."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, Response

from api.http.csrf import TOKEN_FIELD, csrf_token
from api.http.deps import KapulaDep
from api.http.headers import page_policy_with_styles
from api.http.schemas import KEY_PATTERN
from api.web import i18n, metrics_view
from api.web.render import page
from api.web.session import PageCallerDep
from engine import display
from engine.errors import InvalidDataError

router = APIRouter(include_in_schema=False)
KeyPath = Annotated[str, Path(pattern=KEY_PATTERN)]


@router.get("/processes/{key}/swimlanes.svg", name="process_swimlane_svg")
def swimlane_svg(
    request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath, view: Literal["auto", "di", "tem"] = "auto"
) -> Response:
    """The latest version as laid out in its file (BPMN DI) or, with view=tem or without DI, by
    the TEM swimlane rules; with measured medians and handoffs, its words in the reader's language."""
    language = i18n.choose(request, caller.principal)
    return Response(
        kapula.swimlane(key, "svg", view=view, locale=language, caller=caller),
        media_type="image/svg+xml",
        headers={"Content-Language": language},
    )


@router.get("/processes/{key}/card", name="process_card_page")
def card_page(request: Request, kapula: KapulaDep, caller: PageCallerDep, key: KeyPath) -> Response:
    """The process card in the reader's language (api/web/i18n.py), with a way back into the app
    and the pages' language switcher."""
    language = i18n.choose(request, caller.principal)
    # the card names its drawing relative to itself: /processes/{key}/swimlanes.svg
    html = kapula.card_page(key, svg_name="swimlanes.svg", locale=language, caller=caller).html
    # a way back into the app and the language switcher (the card files `kapula docs` writes stand alone and have neither)
    html = html.replace("<body>", "<body>\n" + _card_header(request, key, language), 1).replace(
        "</style>", CARD_HEADER_STYLE + "</style>", 1
    )
    # the generated card carries its own small style sheet: allow exactly that one, no scripts
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy_with_styles(*styles)})


def _card_header(request: Request, key: str, language: str) -> str:
    """The back link and the language switcher of base.html (a form posting to /language that
    comes back here), as markup for the card page, which is not a template (styles: CARD_HEADER_STYLE)."""
    _ = i18n.Words(language)
    back, label = escape(_("Prosessin sivulle")), escape(_("Kieli"))
    here = escape(str(request.url.path))
    choices = "".join(
        f'<span class="current" lang="{code}" aria-current="true">{escape(name)}</span>'
        if code == language
        else f'<button class="link" name="language" value="{code}" lang="{code}">{escape(name)}</button>'
        for code, name in i18n.NAMES.items()
    )
    return (
        f'<nav class="top"><a class="back" href="/processes/{escape(key)}">← {back}</a>'
        f'<form class="languages" method="post" action="/language" aria-label="{label}">'
        f'<input type="hidden" name="{TOKEN_FIELD}" value="{escape(csrf_token(request.session))}">'
        f'<input type="hidden" name="next" value="{here}">{choices}</form></nav>'
    )


# the header's rules, added to the card's one style sheet (its Content-Security-Policy allows that one)
CARD_HEADER_STYLE = (
    "nav.top{display:flex;justify-content:space-between;gap:1em;align-items:baseline}"
    "nav.top form{display:flex;gap:.8em}button.link{background:none;border:0;padding:0;font:inherit;"
    "color:#0b4f9c;text-decoration:underline;cursor:pointer}span.current{font-weight:bold}"
    "@media print{nav.top{display:none}}"
)


@router.get("/processes/{key}/metrics", name="process_metrics_page")
def metrics_page(
    request: Request,
    kapula: KapulaDep,
    caller: PageCallerDep,
    key: KeyPath,
    version: str | None = None,
    lane: str | None = None,
    segment: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Response:
    """Cases, lead times, throughput, stages, handoffs, targets and stuck cases; an empty form
    field means no filter, and `until` is the last day counted."""
    versions = kapula.versions(key, caller=caller)
    number, start, end = _version(version), _day_start(since, "since"), _day_start(until, "until", next_day=True)
    measured = kapula.metrics(
        key, version=number, lane=lane or None, segment=segment or None, since=start, until=end, caller=caller
    )
    # lead times are of whole cases: a lane does not narrow them
    histogram = kapula.lead_time_distribution(key, version=number, segment=segment or None, since=start, until=end, caller=caller)
    form = {"version": version or "", "lane": lane or "", "segment": segment or "", "since": since or "", "until": until or ""}
    return page(
        request,
        "metrics.html",
        caller.principal,
        latest=versions[-1],
        versions=versions,
        form=form,
        view=metrics_view.build(measured, histogram, versions[-1].actors, i18n.words(request, caller.principal)),
    )


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
