"""The pages' languages: Finnish (the default), Swedish and English from Babel message catalogs, and
which one a reader gets.

The catalogs are `api/web/locale/{fi,sv,en}/LC_MESSAGES/messages.po`, read and compiled in memory
with Babel's API when first used (no .mo files to build or commit: a clean checkout runs as is,
docs/adr/0005). The message ids are the Finnish texts, so fi's catalog is the source itself;
`scripts/i18n.sh` extracts them from the templates and the page code and updates the catalogs.

A reader's language: the one they chose when signed in (the user table), else the one chosen on
this browser (the `kapula_lang` cookie), else the first of the browser's Accept-Language that
Kapula speaks, else Finnish.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from fastapi import Request

from engine.access.policy import Principal
from engine.display import DEFAULT_LOCALE, LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
COOKIE = "kapula_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# each language's name in itself, for the switcher (marked with its own lang attribute)
NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of `language`; an unknown language or a missing catalog answers with
    the Finnish message ids themselves. Fuzzy entries are left out (Babel's write_mo)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language not in LANGUAGES or not path.is_file():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


class Words:
    """Page code's texts in one language: `_("Tapaus #%(id)s aloitettu.", id=7)`. A message with
    variables is a %-format (as in the templates, Jinja's newstyle gettext)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = translations(language)

    def __call__(self, message: str, **variables: Any) -> str:
        text = self._catalog.gettext(message)
        return text % variables if variables else text

    def plural(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        """The form for `n` ("%(num)d tapausta"); `num` is n unless given."""
        return self._catalog.ngettext(singular, plural, n) % {"num": n, **variables}


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: marks a text for the catalogs, translated later)
    return message


def from_accept_language(header: str | None) -> str | None:
    """The first language of an Accept-Language header ("sv-FI,sv;q=0.9,en;q=0.5") that Kapula
    speaks, by the header's weights; None when none is."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else None


def choose(request: Request, user: Principal | None) -> str:
    """The language `request` is answered in, for `user` (None: not signed in); see the module
    docstring."""
    cookie = request.cookies.get(COOKIE)
    return (
        (user.language if user is not None and user.language in LANGUAGES else None)
        or (cookie if cookie in LANGUAGES else None)
        or from_accept_language(request.headers.get("accept-language"))
        or DEFAULT_LOCALE
    )


def words(request: Request, user: Principal | None) -> Words:
    """Texts for the page code of this request, in the reader's language."""
    return Words(choose(request, user))
