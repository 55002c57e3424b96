"""Values as people read them, one format everywhere (pages, process card, CLI): durations, numbers,
dates and lists written by Babel in the reader's locale, times in the network's time zone.

Locales are Babel's (CLDR) names: "fi" (the default), "sv", "en"; a page in one of the LANGUAGES
writes its values in that language's FORMATS locale (Swedish as written in Finland, British English:
day before month, a 24-hour clock). The time zone is the setting
KAPULA_TIME_ZONE (an IANA name, default Europe/Helsinki); times are stored in UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from engine.settings import network_time_zone

DEFAULT_LOCALE = "fi"
# the pages' languages (their message catalogs are api/web/locale/): Finnish first, the default
LANGUAGES = ("fi", "sv", "en")
FORMATS = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
NOTHING = "–"
_YES_NO = {"fi": ("kyllä", "ei"), "sv": ("ja", "nej"), "en": ("yes", "no")}


# a word longer than this (a 200-letter lane, a 300-letter company name) may be broken anywhere so
# it cannot widen a table or a page; shorter words stay whole where there is room
LONG_WORD = 24


def has_long_word(text: object) -> bool:
    """Whether `text` holds a word over LONG_WORD letters: the names the pages and the card let break anywhere."""
    return any(len(word) > LONG_WORD for word in str(text or "").split())


def formats(language: str) -> str:
    """The Babel locale a page in `language` ("fi", "sv", "en") writes dates and numbers in: "sv_FI";
    an unknown language gets the default's."""
    return FORMATS.get(language, FORMATS[DEFAULT_LOCALE])


def time_zone() -> ZoneInfo:
    """The network's time zone (KAPULA_TIME_ZONE, read in engine.settings). Raises InvalidDataError
    for an unknown name."""
    return network_time_zone()


def time_zone_label(locale: str = DEFAULT_LOCALE) -> str:
    """The zone as a reader names it, with its IANA name: "Itä-Euroopan aika (Europe/Helsinki)"."""
    zone = time_zone()
    return f"{get_timezone_name(zone, locale=locale)} ({zone.key})"


def duration(value: timedelta | float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A length of time in at most two units, rounded down to the smaller: "1 pv 19 t", "3 t 5 min",
    "12 min", "24 s" (fi); None is a dash. `value` is a timedelta or seconds."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOTHING
    seconds = int(round(value.total_seconds() if isinstance(value, timedelta) else float(value)))
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        parts = [(minutes, "minute")] if minutes else [(secs, "second")]
    shown = [
        format_unit(n, f"duration-{unit}", length="short", locale=locale) for i, (n, unit) in enumerate(parts) if n or i == 0
    ]
    return sign + " ".join(shown)


def number(value: float | None, locale: str = DEFAULT_LOCALE, *, unit: str | None = None, digits: int = 2) -> str:
    """A measured value in the locale's digits, at most `digits` decimals, with its unit: "27,34 %",
    "1 234,5 h", "4" (fi); None is a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOTHING
    text = format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0", locale=locale)
    return f"{text} {unit}" if unit else text


def percent(share: float | None, locale: str = DEFAULT_LOCALE) -> str:
    """A share (0.42) as a percentage ("42 %" in fi, "42%" in en)."""
    return NOTHING if share is None else format_percent(share, locale=locale)


def local(value: datetime) -> datetime:
    """A stored (UTC) time in the network's time zone."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(time_zone())


def stamp(value: datetime | None) -> str:
    """A time for the command line and logs: ISO-like, in the network's time zone, "2026-11-30 14:05"."""
    return NOTHING if value is None else f"{local(value):%Y-%m-%d %H:%M}"


def moment(value: datetime | None, locale: str = DEFAULT_LOCALE) -> str:
    """A point in time in the network's time zone, as the locale writes it: "30.11.2026 14.05" (fi)."""
    if value is None:
        return NOTHING
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # stored times are UTC
    return format_datetime(value, format="short", tzinfo=time_zone(), locale=locale)


def day(value: date | datetime | None, locale: str = DEFAULT_LOCALE) -> str:
    """A date (a datetime is taken in the network's time zone): "30.11.2026" (fi)."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime):
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(time_zone()).date()
    return format_date(value, format="short" if locale != "fi" else "d.M.yyyy", locale=locale)


def listing(items: Iterable[object], locale: str = DEFAULT_LOCALE) -> str:
    """Items in words: "SEK, ELY ja TE" (fi); nothing is a dash."""
    words = [str(i) for i in items]
    return format_list(words, locale=locale) if words else NOTHING


def yes_no(value: bool, locale: str = DEFAULT_LOCALE) -> str:
    yes, no = _YES_NO.get(locale[:2], _YES_NO["en"])
    return yes if value else no
