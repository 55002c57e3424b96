"""The engine's refusals in the pages' words: field errors and conflicts, translated at the edge.

The engine writes its messages in English for logs and the API (engine/forms.py `_field_message`,
engine/claims.py); a person filling in a form reads them here in the page's language."""

from __future__ import annotations

import re
from collections.abc import Callable

from engine.errors import CaseStepError, ConflictError, KapulaError, NotFoundError
from engine.model import TaskView

# engine/forms.py's field messages: (pattern, Finnish) — the pattern's groups fill the Finnish text
_FIELD_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"is required"), lambda m: "Pakollinen tieto puuttuu."),
    (re.compile(r"must be a whole number"), lambda m: "Anna kokonaisluku, esimerkiksi 3."),
    (re.compile(r"must be a number"), lambda m: "Anna luku, esimerkiksi 2,5."),
    (re.compile(r"must be a text"), lambda m: "Anna teksti."),
    (re.compile(r"must be true or false"), lambda m: "Valitse kyllä tai ei."),
    (re.compile(r"must be a list"), lambda m: "Valitse yksi tai useampi."),
    (re.compile(r"must be one of: (.*)"), lambda m: "Valitse jokin annetuista vaihtoehdoista."),
    (re.compile(r"must be at least (\S+) characters"), lambda m: f"Vähintään {m[1]} merkkiä."),
    (re.compile(r"must be at most (\S+) characters"), lambda m: f"Enintään {m[1]} merkkiä."),
    (re.compile(r"must be at least (\S+)"), lambda m: f"Pienin sallittu arvo on {_num(m[1])}."),
    (re.compile(r"must be at most (\S+)"), lambda m: f"Suurin sallittu arvo on {_num(m[1])}."),
    (re.compile(r"must not be empty"), lambda m: "Ei voi olla tyhjä."),
    (re.compile(r"choose at least (\S+)"), lambda m: f"Valitse vähintään {m[1]}."),
    (re.compile(r"choose at most (\S+)"), lambda m: f"Valitse enintään {m[1]}."),
    (re.compile(r"must not repeat a choice"), lambda m: "Sama valinta on kahdesti."),
    (re.compile(r"is not a field of this form"), lambda m: "Ei kuulu tähän lomakkeeseen."),
]


def _num(text: str) -> str:
    return text.replace(".", ",")


def field_error(message: str) -> str:
    """One field's error in Finnish; a message we do not know is shown as the engine wrote it."""
    for pattern, finnish in _FIELD_MESSAGES:
        match = pattern.fullmatch(message.strip())
        if match:
            return finnish(match)
    return message


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    return {name: field_error(message) for name, message in errors.items()}


def conflict(exc: ConflictError, task: TaskView | None) -> str:
    """Why a claim or a completion was refused, from the task as it is now."""
    if task is not None and task.state != "READY":
        return "Tehtävä ei odota enää: joku muu ehti täydentää sen ensin."
    if task is not None and task.claimed_by:
        return f"Joku ehti ensin: tehtävä on jo käyttäjän {task.claimed_by} työn alla."
    if "changed by someone else" in exc.message:
        return "Joku muutti tapausta samaan aikaan. Mitään ei tallennettu; lataa sivu ja yritä uudelleen."
    return "Joku ehti ensin. Mitään ei tallennettu; lataa sivu ja yritä uudelleen."


_NOT_FOUND = {"process": "Prosessia", "version": "Prosessin versiota", "case": "Tapausta", "task": "Tehtävää",
              "user": "Käyttäjää", "organisation": "Organisaatiota"}
_STATUS_WORDS = {
    403: "Tämä ei ole sinun nähtäväsi tai tehtäväsi: se kuuluu toisen organisaation kaistalle tai toisen asiakkaan asiaan.",
    409: "Joku ehti ensin. Mitään ei tallennettu; lataa sivu ja yritä uudelleen.",
    413: "Lähetys on liian suuri. Mitään ei tallennettu.",
}


def page_error(exc: KapulaError, status: int) -> tuple[str, str | None]:
    """A refusal in the page's words, and the engine's own message as a technical detail (or None
    when the words say it all)."""
    if isinstance(exc, NotFoundError):
        what = _NOT_FOUND.get(exc.kind, "Hakemaasi")
        return f"{what} {exc.ident} ei löydy.", None
    if status == 404:
        return "Sivua ei löydy.", None
    if isinstance(exc, CaseStepError):
        return "Prosessikaavio ei pystynyt käsittelemään näitä tietoja. Mitään ei tallennettu.", exc.message
    if status in _STATUS_WORDS:
        return _STATUS_WORDS[status], exc.message
    if status == 422:
        return "Osoite tai lomake ei ole sitä, mitä sivu odottaa.", exc.message
    return "Jokin meni vikaan. Mitään ei tallennettu.", exc.message
