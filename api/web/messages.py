"""The engine's refusals in the pages' words: field errors, conflicts and error pages, translated at
the edge into the reader's language (api/web/i18n.py).

The engine writes its messages in English for logs and the API (engine/forms.py `_field_message`,
engine/claims.py); a person filling in a form reads them here. Names and ids of elements, fields
and cases are kept as they are."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from api.http.csrf import FormRefusedError
from api.web.i18n import N_, Words
from engine import display
from engine.errors import CaseStepError, ConflictError, InvalidDataError, KapulaError, NotFoundError
from engine.model import TaskView

# engine/forms.py's field messages (and api/web/forms.py's): pattern → the message id it becomes;
# a pattern's group `n` fills %(n)s, read as a number in the reader's locale
_FIELD_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"is required"), N_("Pakollinen tieto puuttuu.")),
    (re.compile(r"must be a whole number"), N_("Anna kokonaisluku, esimerkiksi 3.")),
    (re.compile(r"must be a number"), N_("Anna luku, esimerkiksi 2,5.")),
    (re.compile(r"must be a text"), N_("Anna teksti.")),
    (re.compile(r"must be true or false"), N_("Valitse kyllä tai ei.")),
    (re.compile(r"must be a list"), N_("Valitse yksi tai useampi.")),
    (re.compile(r"must be one of: (.*)"), N_("Valitse jokin annetuista vaihtoehdoista.")),
    (re.compile(r"must be at least (?P<n>\S+) characters"), N_("Vähintään %(n)s merkkiä.")),
    (re.compile(r"must be at most (?P<n>\S+) characters"), N_("Enintään %(n)s merkkiä.")),
    (re.compile(r"must be at least (?P<n>\S+)"), N_("Pienin sallittu arvo on %(n)s.")),
    (re.compile(r"must be at most (?P<n>\S+)"), N_("Suurin sallittu arvo on %(n)s.")),
    (re.compile(r"must not be empty"), N_("Ei voi olla tyhjä.")),
    (re.compile(r"choose at least (?P<n>\S+)"), N_("Valitse vähintään %(n)s.")),
    (re.compile(r"choose at most (?P<n>\S+)"), N_("Valitse enintään %(n)s.")),
    (re.compile(r"must not repeat a choice"), N_("Sama valinta on kahdesti.")),
    (re.compile(r"is not a field of this form"), N_("Ei kuulu tähän lomakkeeseen.")),
    (re.compile(r"a date written YYYY-MM-DD"), N_("Anna päivämäärä muodossa VVVV-KK-PP.")),
    (re.compile(r"a positive whole number"), N_("Anna positiivinen kokonaisluku.")),
    (
        re.compile(r"is not JSON: (?P<reason>.*) \(column (?P<column>\d+)\)"),
        N_("Ei kelvollista JSONia: %(reason)s (sarake %(column)s)."),
    ),
    (re.compile(r"must be a JSON object"), N_('Anna JSON-olio, esimerkiksi {"kentta": "arvo"}.')),
    (re.compile(r"is nested too deep"), N_("JSON on sisäkkäin liian monta tasoa.")),
    # engine/data_limits.py's, for what a page's field can be given
    (
        re.compile(r"has a text of (?P<n>\d+) characters; the limit is (?P<limit>\d+)"),
        N_("Teksti on liian pitkä: %(n)s merkkiä, enintään %(limit)s."),
    ),
    (re.compile(r"is a whole number beyond .*"), N_("Luku on liian suuri.")),
    (re.compile(r"makes the data larger than (?P<limit>\d+) bytes"), N_("Tiedot ovat liian suuret.")),
    (re.compile(r"(?s).* does not match '.*'"), N_("Arvo ei ole pyydetyssä muodossa.")),
]


def _number(text: str, language: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return display.number(value, display.formats(language), digits=6)


def field_error(message: str, _: Words) -> str:
    """One field's error in the reader's language; a message we do not know is shown as the engine
    wrote it."""
    for pattern, message_id in _FIELD_MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            found = {name: _number(value, _.language) for name, value in match.groupdict().items()}
            return _(message_id, **found)
    return message


def field_errors(errors: dict[str, str], _: Words) -> dict[str, str]:
    return {name: field_error(message, _) for name, message in errors.items()}


# where a sentence in the reader's language takes the engine's English (a private-use character:
# no catalog text and no escaping holds it)
_ENGINE_MARK = "\ue000"


def with_engine_message(sentence: str, message: str) -> Markup:
    """`sentence`, translated with `_ENGINE_MARK` where the engine's `message` goes (`reason`), as
    markup: the message in its own `<span lang="en">` so that a screen reader reads the English as
    English (WCAG 2.1 SC 3.1.2, language of parts). Both are escaped: nothing of either is markup."""
    return Markup(escape(sentence).replace(_ENGINE_MARK, Markup('<span lang="en">%s</span>') % message))


def engine_flash(message_id: str, message: str, _: Words, **values: Any) -> dict[str, str]:
    """A flash (the message the next page shows) whose `reason` is the engine's English `message`:
    kept apart in the session, the page puts it in a `<span lang="en">` (`shown_flash`)."""
    return {"text": _(message_id, reason=_ENGINE_MARK, **values), "engine": message}


def shown_flash(flash: object) -> str | Markup | None:
    """The flash the session held, as the page shows it (`engine_flash`'s kind as markup)."""
    if isinstance(flash, dict):
        return with_engine_message(str(flash.get("text", "")), str(flash.get("engine", "")))
    return flash if isinstance(flash, str) else None


def invalid(exc: InvalidDataError, _: Words) -> Markup:
    """A refused submit without field errors: the engine's message, which names the element or
    field, after a sentence in the reader's language."""
    return with_engine_message(_("Tietoja ei voitu tallentaa: %(reason)s", reason=_ENGINE_MARK), exc.message)


# a case that takes no more steps (engine.errors.check_takes_steps: ConflictError.case_status)
_CASE_ENDED = {
    "cancelled": N_("Tapaus #%(id)s on peruttu, eikä se etene enää."),
    "completed": N_("Tapaus #%(id)s on jo valmis, eikä se etene enää."),
    "failed": N_("Tapaus #%(id)s on pysähtynyt virheeseen; se etenee vasta, kun sitä yritetään uudelleen."),
}


def conflict(exc: ConflictError, task: TaskView | None, _: Words) -> str:
    """Why a claim or a completion was refused, from the task as it is now (or its case's status)."""
    if exc.case_status in _CASE_ENDED:
        return _(_CASE_ENDED[exc.case_status], id=exc.case_id)
    if task is not None and task.state != "READY":
        return _("Tehtävä ei odota enää: joku muu ehti täydentää sen ensin.")
    if task is not None and task.claimed_by:
        return _("Joku ehti ensin: tehtävä on jo käyttäjän %(user)s työn alla.", user=task.claimed_by)
    if "changed by someone else" in exc.message:
        return _("Joku muutti tapausta samaan aikaan. Mitään ei tallennettu; lataa sivu ja yritä uudelleen.")
    return _("Joku ehti ensin. Mitään ei tallennettu; lataa sivu ja yritä uudelleen.")


_NOT_FOUND = {
    "process": N_("Prosessia %(id)s ei löydy."),
    "version": N_("Prosessin versiota %(id)s ei löydy."),
    "case": N_("Tapausta %(id)s ei löydy."),
    "task": N_("Tehtävää %(id)s ei löydy."),
    "user": N_("Käyttäjää %(id)s ei löydy."),
    "organisation": N_("Organisaatiota %(id)s ei löydy."),
}
_STATUS_WORDS = {
    403: N_("Tämä ei ole sinun nähtäväsi tai tehtäväsi: se kuuluu toisen organisaation kaistalle tai toisen asiakkaan asiaan."),
    409: N_("Joku ehti ensin. Mitään ei tallennettu; lataa sivu ja yritä uudelleen."),
    413: N_("Lähetys on liian suuri. Mitään ei tallennettu."),
}
_SOMETHING = N_("Hakemaasi kohdetta %(id)s ei löydy.")
_ERROR = N_("Virhe")
TITLES = {
    403: N_("Ei oikeutta"),
    404: N_("Ei löydy"),
    409: N_("Joku ehti ensin"),
    413: N_("Liian suuri tiedosto"),
    422: N_("Ei kelpaa"),
    429: N_("Liian monta yritystä"),
}


def page_error(exc: KapulaError, status: int, _: Words) -> tuple[str, str, str | None]:
    """A refusal in the page's words: its title, its message, and the engine's own message as a
    technical detail (or None when the words say it all)."""
    title = _(TITLES.get(status, _ERROR))
    if isinstance(exc, NotFoundError):
        return title, _(_NOT_FOUND.get(exc.kind, _SOMETHING), id=exc.ident), None
    if status == 404:
        return title, _("Sivua ei löydy."), None
    if isinstance(exc, CaseStepError):
        return title, _("Prosessikaavio ei pystynyt käsittelemään näitä tietoja. Mitään ei tallennettu."), exc.message
    if isinstance(exc, FormRefusedError):  # CSRF: a page from before a sign-in, or another site's form
        return (
            title,
            _(
                "Lomake on vanhentunut tai tuli toiselta sivustolta. Mitään ei tallennettu; "
                "lataa sivu ja lähetä lomake uudelleen."
            ),
            exc.message,
        )
    if status in _STATUS_WORDS:
        return title, _(_STATUS_WORDS[status]), exc.message
    if status == 422 and isinstance(exc, InvalidDataError) and exc.field_errors:  # field names as they are
        fields = "; ".join(f"{name}: {field_error(text, _)}" for name, text in exc.field_errors.items())
        return title, _("Osoite tai lomake ei ole sitä, mitä sivu odottaa: %(fields)s", fields=fields), exc.message
    if status == 422:
        return title, _("Osoite tai lomake ei ole sitä, mitä sivu odottaa."), exc.message
    return title, _("Jokin meni vikaan. Mitään ei tallennettu."), exc.message
