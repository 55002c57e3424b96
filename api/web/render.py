"""Templates and the small formatting helpers the pages share, in the reader's language (api/web/i18n.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.responses import Response

from api.web import engine_texts, i18n, messages, values
from api.web.i18n import N_
from engine import display
from engine.access.policy import Principal

WEB = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB / "templates"))
templates.env.add_extension("jinja2.ext.i18n")

# the names below are Finnish message ids: templates show them with _() in the reader's language
ROLE_NAMES = {
    "administrator": N_("ylläpitäjä"),
    "process_owner": N_("prosessin omistaja"),
    "advisor": N_("neuvoja"),
    "customer": N_("asiakas"),
}
LIFECYCLE_NAMES = {
    "case_started": N_("tapaus alkoi"),
    "task_ready": N_("odottaa"),
    "task_claimed": N_("otettu työn alle"),
    "task_unclaimed": N_("vapautettu"),
    "task_completed": N_("valmis"),
    "task_cancelled": N_("peruttu"),
    "case_completed": N_("tapaus valmis"),
    "case_cancelled": N_("tapaus peruttu"),
    "case_migrated": N_("siirretty uuteen versioon"),
    "message_sent": N_("viesti lähetetty"),
    "message_received": N_("viesti saapui"),
}
# the reasons kept with a cancellation or an erasure (engine.model.CaseNote.action)
NOTE_NAMES = {"cancel": N_("syy perumiseen"), "erase": N_("syy henkilötietojen poistoon")}
# the lists' orders and claim filters (engine.model CASE_SORTS, TASK_SORTS, CLAIM_FILTERS)
SORT_NAMES = {
    "waiting": N_("pisimpään odottanut ensin"),
    "due": N_("lähin määräaika ensin"),
    "newest": N_("uusin ensin"),
    "oldest": N_("vanhin ensin"),
    "process": N_("prosessin mukaan"),
}
CLAIM_NAMES = {"free": N_("ei kenelläkään"), "mine": N_("minulla"), "others": N_("muilla")}
STATUS_NAMES = {
    "running": N_("käynnissä"),
    "completed": N_("valmis"),
    "cancelled": N_("peruttu"),
    "failed": N_("pysähtynyt virheeseen"),
}


def duration(value: timedelta | float | None, language: str = display.DEFAULT_LOCALE) -> str:
    """A duration as a person says it (engine/display.py, Babel): "1 pv 19 t", "3 t 5 min" (fi)."""
    return display.duration(value, display.formats(language))


# times are stored in UTC; pages show them in the network's own time zone (KAPULA_TIME_ZONE)
def when(value: datetime | None, language: str = display.DEFAULT_LOCALE) -> str:
    return display.moment(value, display.formats(language))


def number(value: float | None, unit: str | None = None, language: str = display.DEFAULT_LOCALE) -> str:
    """A measured value as the locale writes it: 4, 3,5, 199,1 (fi); with its unit when given."""
    return display.number(value, display.formats(language), unit=unit)


def percent(share: float | None, language: str = display.DEFAULT_LOCALE) -> str:
    return display.percent(share, display.formats(language))


def _language(context: Context) -> str:
    return str(context.get("language") or display.DEFAULT_LOCALE)


def name_box(name: object, box: str = "name") -> str:
    """The class of a name's box: `box` ("name" in a list table, "lane", "pair"), in which words are
    never broken (a table gives the column the room its longest word needs, so
    "Yrityspalveluprosessi" stays whole where there is room), plus "long" for a name with a word
    over display.LONG_WORD letters (a 200-letter lane, a 300-letter process), which may break anywhere so
    it cannot widen a table, a flex row or the page (style.css)."""
    return f"{box} long" if display.has_long_word(name) else box


# the templates' filters write values in the page's language (page() puts it in the context)
@pass_context
def _duration(context: Context, value: timedelta | float | None) -> str:
    return duration(value, _language(context))


@pass_context
def _when(context: Context, value: datetime | None) -> str:
    return when(value, _language(context))


@pass_context
def _number(context: Context, value: float | None, unit: str | None = None) -> str:
    return number(value, unit, _language(context))


@pass_context
def _percent(context: Context, share: float | None) -> str:
    return percent(share, _language(context))


@pass_context
def _field_text(context: Context, value: Any, prop: dict[str, Any] | None = None) -> str:
    return values.text(value, prop, display.formats(_language(context)))


# Jinja's newstyle gettext marks what these return safe (Markup) in an autoescaped template and
# escapes only the %-variables put into it, so a translation is escaped here: a catalog's text is
# text, never markup ('{"Task_old": "Task_new"}' in an attribute, "< 10" in a sentence). Markup a
# sentence needs comes in as a variable that is markup itself ({% set %} … {% endset %}).
def _text(context: Context, text: str) -> str:
    return escape(text) if context.eval_ctx.autoescape else text


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _text(context, i18n.translations(_language(context)).gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _text(context, i18n.translations(_language(context)).ngettext(singular, plural, n))


def plain(value: Any) -> Any:
    """Translated texts as the text they are, for data rather than markup (`|plain|tojson`, read by
    a script as textContent): _() gives them escaped; a dict's or a list's values likewise."""
    if isinstance(value, Markup):
        return value.unescape()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


@pass_context
def _migration_reason(context: Context, message: str) -> engine_texts.EngineText:
    return engine_texts.migration_reason(message, i18n.Words(_language(context)))


@pass_context
def _upload_issue(context: Context, message: str) -> engine_texts.EngineText:
    return engine_texts.upload_issue(message, i18n.Words(_language(context)))


# the i18n extension adds install_gettext_callables to the Environment when it is loaded: Jinja's
# Environment class does not declare it
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(field_label=values.label, field_text=_field_text, LANGUAGE_NAMES=i18n.NAMES)
# the engine's English reasons and issues, in the page's language where known (api/web/engine_texts.py)
templates.env.globals.update(migration_reason=_migration_reason, upload_issue=_upload_issue)
templates.env.filters.update(duration=_duration, number=_number, percent=_percent, when=_when, name_box=name_box, plain=plain)
templates.env.globals.update(
    ROLE_NAMES=ROLE_NAMES,
    LIFECYCLE_NAMES=LIFECYCLE_NAMES,
    STATUS_NAMES=STATUS_NAMES,
    NOTE_NAMES=NOTE_NAMES,
    SORT_NAMES=SORT_NAMES,
    CLAIM_NAMES=CLAIM_NAMES,
)


def _here(request: Request, url: str | None) -> str:
    """The page's own address, where the language switcher brings the reader back to."""
    if url:
        return url
    if request.method != "GET":
        return "/"
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def page(
    request: Request, name: str, user: Principal | None, status_code: int = 200, *, url: str | None = None, **context: Any
) -> Response:
    """A page, in the reader's language (i18n.choose). A refused POST answers with the page to fix
    it on; `url` is that page's own address, which htmx puts in the address bar instead of the
    POST's (so a reload or Back shows the page)."""
    if "flash" not in context and "session" in request.scope:
        context["flash"] = messages.shown_flash(request.session.pop("flash", None))
    language = i18n.choose(request, user)
    response = templates.TemplateResponse(
        request, name, {"user": user, "language": language, "here": _here(request, url), **context}, status_code=status_code
    )
    # pages show personal data: no browser or proxy keeps a copy, so Back after sign-out shows nothing
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = language
    if request.method != "GET" and status_code >= 400:
        response.headers["HX-Push-Url"] = url or "false"
    return response
