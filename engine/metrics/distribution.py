"""The lead-time distribution of a process's completed cases: counts per bin, grouped in the database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, case, func, select

from engine.metrics.dialect import Dialect
from engine.metrics.scope import scoped_cases
from engine.metrics.types import MetricsFilter

HOUR = 3600
DAY = 24 * HOUR
# bin widths a reader takes in at a glance: minutes, hours, days, weeks, months
NICE_WIDTHS = (
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    3 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
    60 * DAY,
    90 * DAY,
    180 * DAY,
    365 * DAY,
)


@dataclass(frozen=True)
class LeadTimeHistogram:
    """counts[i] completed cases took [i·bin_seconds, (i+1)·bin_seconds); no cases: no bins."""

    bin_seconds: int
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


def bin_width(longest: float, bins: int) -> int:
    """The smallest nice width whose `bins` bins reach past `longest` seconds."""
    for width in NICE_WIDTHS:
        if longest // width + 1 <= bins:
            return width
    return int(longest // bins) + 1  # longer than `bins` years: plain equal bins


def lead_time_histogram(conn: Connection, f: MetricsFilter, *, bins: int = 12) -> LeadTimeHistogram:
    """Started → completed of the completed cases `f` selects, counted per bin (at most `bins`)."""
    d = Dialect(conn.dialect.name)
    c = scoped_cases(f, d).subquery("scope").c
    leads = select(d.seconds_between(c.started_at, c.ended_at).label("v")).where(c.status == "completed").subquery("leads")
    longest = conn.execute(select(func.max(leads.c.v))).scalar()
    if longest is None:
        return LeadTimeHistogram(bin_width(0, bins), ())
    width = bin_width(float(longest), bins)
    # a CASE ladder rather than FLOOR(): SQLite may lack FLOOR, and PostgreSQL's CAST rounds
    index = case(*((leads.c.v < (i + 1) * width, i) for i in range(bins)), else_=bins - 1).label("bin")
    rows = conn.execute(select(index, func.count()).group_by(index)).all()
    found = {int(i): int(n) for i, n in rows}
    used = max(found) + 1
    return LeadTimeHistogram(width, tuple(found.get(i, 0) for i in range(used)))
