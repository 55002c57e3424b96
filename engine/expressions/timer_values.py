"""Timer texts as ISO 8601 (durations, dates, repeating intervals), with Kapula's bounds; no SpiffWorkflow.

The same functions check a diagram's timer at upload and compute its due time in a running case,
so nothing is accepted at upload that cannot run. A timer's text is either an ISO 8601 literal,
bare (`P7D`, as Camunda writes it) or quoted (`"P7D"`, as SpiffWorkflow writes it), or an
expression whose value, computed from the case data, is checked when the timer starts.

Bounds: a repeating cycle repeats at least `MIN_CYCLE_INTERVAL` apart and at most
`MAX_CYCLE_FIRINGS` times (`R/…` without a count means that many); durations and dates reach at
most `HORIZON` ahead. A date without an offset is read in the network's time zone
(`KAPULA_TIME_ZONE`, default Europe/Helsinki).
"""

from __future__ import annotations

import ast
import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from engine.errors import InvalidDataError, quoted
from engine.settings import network_time_zone

MIN_CYCLE_INTERVAL = timedelta(minutes=1)
MAX_CYCLE_FIRINGS = 100
HORIZON = timedelta(days=100 * 365)
TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")

_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)
_CYCLE = re.compile(r"R(?P<count>\d*)/(?P<first>[^/]+)(?:/(?P<second>[^/]+))?")
# What a bare (unquoted) timer text looks like: a duration, a date, or a repeating interval.
# a signed duration (-PT1H) is ISO-shaped text too: read as Python it was an undefined name that
# failed at every start; as a literal it is refused at upload, where ISO 8601 has no negative durations
_LOOKS_ISO = re.compile(r"(R\d*/|[+-]?P(\d|T\d)|\d{4}-\d{2}-\d{2})")
_MAX_TEXT = 200


class TimerValueError(ValueError):
    """A timer text that is not ISO 8601, or is out of Kapula's bounds; the message is plain words."""


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration; years and months are calendar units, so it is added to a moment."""

    years: int = 0
    months: int = 0
    delta: timedelta = timedelta()

    def after(self, start: datetime) -> datetime:
        total_months = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + total_months // 12, total_months % 12 + 1
        if year > 9999:
            raise TimerValueError("the duration reaches past the year 9999")
        day = min(start.day, calendar.monthrange(year, month)[1])
        try:
            return start.replace(year=year, month=month, day=day) + self.delta
        except OverflowError:
            raise TimerValueError("the duration reaches past the year 9999") from None


@dataclass(frozen=True)
class Cycle:
    """A repeating interval: the first firing at `start`, then every `interval`, `firings` times in all."""

    firings: int
    start: datetime
    interval: timedelta


def network_zone() -> ZoneInfo:
    """The network's time zone (KAPULA_TIME_ZONE, read in engine.settings). Raises ValueError if unknown."""
    try:
        return network_time_zone()
    except InvalidDataError as exc:
        raise ValueError(str(exc)) from exc


def literal_of(expression: str) -> str | None:
    """The ISO text of a timer written as a literal (bare `P7D` or quoted `"P7D"`); None for an expression."""
    text = (expression or "").strip()
    if _LOOKS_ISO.match(text) and not any(c in text for c in "\"'"):
        return text
    if text[:1] in ("'", '"'):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        return value if isinstance(value, str) else None
    return None


def parse_duration(text: str) -> Duration:
    """An ISO 8601 duration (`P1Y2M3DT4H5M6.5S`, `P2W`). Raises TimerValueError."""
    match = _DURATION.fullmatch(text.strip().upper())
    if match is None or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise TimerValueError(f"{quoted(text)} is not an ISO 8601 duration (such as P7D, PT1H30M or P1Y2M)")
    parts = {k: float(v.replace(",", ".")) if k == "seconds" else int(v) for k, v in match.groupdict().items() if v}
    if sum(parts.values()) > 10**7:
        raise TimerValueError(f"the duration {quoted(text)} reaches past {HORIZON.days // 365} years")
    delta = timedelta(
        weeks=parts.get("weeks", 0),
        days=parts.get("days", 0),
        hours=parts.get("hours", 0),
        minutes=parts.get("minutes", 0),
        seconds=parts.get("seconds", 0),
    )
    duration = Duration(int(parts.get("years", 0)), int(parts.get("months", 0)), delta)
    if duration.years * 365 + duration.months * 28 + delta.days > HORIZON.days:
        raise TimerValueError(f"the duration {quoted(text)} reaches past {HORIZON.days // 365} years")
    return duration


def parse_date(text: str, zone: ZoneInfo | None = None) -> datetime:
    """An ISO 8601 date and time as an aware UTC datetime; without an offset it is read in `zone`
    (default: the network's). A date alone means its midnight. Raises TimerValueError."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise TimerValueError(f"{quoted(text)} is not an ISO 8601 date and time (such as 2027-07-01T09:00:00+03:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or network_zone())
    return moment.astimezone(UTC)


def parse_cycle(text: str, now: datetime, zone: ZoneInfo | None = None) -> Cycle:
    """An ISO 8601 repeating interval: `R[n]/duration`, `R[n]/start/duration` or `R[n]/duration/end`.
    Raises TimerValueError, also for a cycle without `R`, an interval under MIN_CYCLE_INTERVAL or a
    count over MAX_CYCLE_FIRINGS."""
    value = text.strip().upper()
    match = _CYCLE.fullmatch(value)
    if match is None:
        if _DURATION.fullmatch(value):
            raise TimerValueError(
                f"{quoted(text)} is a duration, not a repeating cycle: write R/{value} to repeat it (at most "
                f"{MAX_CYCLE_FIRINGS} times) or R1/{value} for once, or make it a timer duration"
            )
        raise TimerValueError(f"{quoted(text)} is not an ISO 8601 repeating interval (such as R3/PT1H or R/P1D)")
    count = int(match["count"]) if match["count"] else MAX_CYCLE_FIRINGS
    if count > MAX_CYCLE_FIRINGS:
        raise TimerValueError(f"the cycle {quoted(text)} repeats {count} times; the limit is {MAX_CYCLE_FIRINGS}")
    first, second = match["first"], match["second"]
    if second is None:
        duration = parse_duration(first)
        start = duration.after(now)
    elif first.startswith("P"):
        duration = parse_duration(first)
        end = parse_date(second, zone)
        start = end - (duration.after(end) - end)
    else:
        start = parse_date(first, zone)
        duration = parse_duration(second)
    interval = duration.after(start) - start
    if interval < MIN_CYCLE_INTERVAL:
        raise TimerValueError(
            f"the cycle {quoted(text)} repeats every {interval.total_seconds():g} s; the shortest interval is "
            f"{MIN_CYCLE_INTERVAL.total_seconds():g} s"
        )
    return Cycle(count, start, interval)


def due_after(kind: str, text: str, now: datetime, zone: ZoneInfo | None = None) -> datetime:
    """When a timer of `kind` (timeDate, timeDuration) with ISO `text` started at `now` is due.
    Raises TimerValueError, also for a due time past the horizon."""
    if kind == "timeDate":
        due = parse_date(text, zone)
    else:
        due = parse_duration(text).after(now)
    if due - now > HORIZON:
        raise TimerValueError(f"{quoted(text)} is more than {HORIZON.days // 365} years ahead")
    return due


def timer_problem(kind: str, text: str, now: datetime | None = None) -> str | None:
    """Why the ISO `text` cannot be a timer of `kind` (timeDate, timeDuration, timeCycle), or None."""
    now = now or datetime.now(UTC)
    if len(text) > _MAX_TEXT:
        return f"the timer text is longer than {_MAX_TEXT} characters"
    try:
        if kind == "timeCycle":
            cycle = parse_cycle(text, now)
            if cycle.start - now > HORIZON:
                raise TimerValueError(f"{quoted(text)} starts more than {HORIZON.days // 365} years ahead")
        else:
            due_after(kind, text, now)
    except TimerValueError as exc:
        return str(exc)
    return None
