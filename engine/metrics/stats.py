"""count, mean, median, 90th percentile and max per group, in one query with window functions.

Percentiles interpolate linearly between the two nearest ranks (as PostgreSQL's percentile_cont
does), but with ROW_NUMBER() and COUNT() OVER so that SQLite computes them the same way: the
rank (n-1)·q is split into an integer part and a fraction with integer arithmetic, the two
values at those ranks are picked out by conditional sums, and Python does the last multiply.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, case, func, literal_column, select
from sqlalchemy.sql.elements import ColumnElement

from engine.metrics.types import Stats

PERCENTILES = (50, 90)


def stats_query(source: Select[Any], groups: Sequence[str], value: str = "v") -> Select[Any]:
    """A query over `source` (with columns `groups` and `value`): per group, the Stats parts."""
    src = source.subquery("src")
    keys = [src.c[g] for g in groups]
    ranked = (
        select(
            *keys,
            src.c[value].label("v"),
            (func.row_number().over(partition_by=keys or None, order_by=src.c[value]) - 1).label("rn"),
            func.count().over(partition_by=keys or None).label("n"),
        )
        .where(src.c[value].is_not(None))
        .subquery("ranked")
    )
    gkeys = [ranked.c[g] for g in groups]
    columns: list[ColumnElement[Any]] = [
        func.count().label("count"),
        func.avg(ranked.c.v).label("mean"),
        func.max(ranked.c.v).label("max"),
    ]
    for q in PERCENTILES:
        scaled = (ranked.c.n - 1) * q
        low = scaled.op("/")(literal_column("100"))
        high = low + case((scaled.op("%")(literal_column("100")) > 0, 1), else_=0)
        columns += [
            func.sum(case((ranked.c.rn == low, ranked.c.v))).label(f"lo{q}"),
            func.sum(case((ranked.c.rn == high, ranked.c.v))).label(f"hi{q}"),
            func.max(scaled.op("%")(literal_column("100"))).label(f"frac{q}"),
        ]
    return select(*gkeys, *columns).group_by(*gkeys)


def to_stats(row: Any, *, digits: int = 3) -> Stats:
    """Turn one row of stats_query into Stats (values rounded: SQLite's epoch floats carry noise)."""
    if row is None or not row.count:
        return Stats(0)

    def pct(q: int) -> float:
        low, high, frac = getattr(row, f"lo{q}"), getattr(row, f"hi{q}"), getattr(row, f"frac{q}")
        return float(low) + (float(high) - float(low)) * float(frac) / 100.0

    def r(value: float) -> float:
        return round(float(value), digits)

    return Stats(count=int(row.count), mean=r(row.mean), median=r(pct(50)), p90=r(pct(90)), max=r(row.max))


def fetch_stats(conn: Connection, source: Select[Any], groups: Sequence[str], value: str = "v") -> dict[tuple[Any, ...], Stats]:
    """Run stats_query and key the result by the group values."""
    rows = conn.execute(stats_query(source, groups, value)).all()
    return {tuple(getattr(r, g) for g in groups): to_stats(r) for r in rows}
