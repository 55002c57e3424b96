"""count, mean, median, 90th percentile and max per group over a task_span column, read along an
index in value order: one GROUP BY for count/mean/max, then per group and percentile the one or
two values at the ranks by ORDER BY … OFFSET, so the database walks index entries and sorts nothing.

Percentiles interpolate between the two nearest ranks exactly as engine.metrics.stats does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.sql.elements import ColumnElement

from engine.metrics.stats import PERCENTILES
from engine.metrics.types import Stats


def _equal(column: ColumnElement[Any], value: object) -> ColumnElement[bool]:
    # `=` and `IS NULL`, not IS NOT DISTINCT FROM: PostgreSQL can use an index only for these
    return column.is_(None) if value is None else column == value


def _rank_value(conn: Connection, value: Any, where: Sequence[Any], rank: int, frac: int) -> float:
    picked = [
        float(v) for v in conn.execute(select(value).where(*where).order_by(value).offset(rank).limit(2 if frac else 1)).scalars()
    ]
    low = picked[0]
    high = picked[1] if frac else low
    return low + (high - low) * frac / 100.0


def indexed_stats(
    conn: Connection,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    groups: Sequence[ColumnElement[Any]],
    *,
    only: set[tuple[Any, ...]] | None = None,
) -> dict[tuple[Any, ...], Stats]:
    """Stats of `value` (non-null) per `groups` under the conditions `where`; `only` keeps some groups."""
    present = [*where, value.is_not(None)]
    rows = conn.execute(
        select(*groups, func.count(value).label("n"), func.avg(value).label("mean"), func.max(value).label("top"))
        .where(*present)
        .group_by(*groups)
    ).all()
    out: dict[tuple[Any, ...], Stats] = {}
    for row in rows:
        key = tuple(row[: len(groups)])
        if only is not None and key not in only:
            continue
        n = int(row.n)
        mine = [*present, *(_equal(g, k) for g, k in zip(groups, key, strict=True))]
        pct = {q: _rank_value(conn, value, mine, (n - 1) * q // 100, (n - 1) * q % 100) for q in PERCENTILES}
        out[key] = Stats(
            count=n, mean=round(float(row.mean), 3), median=round(pct[50], 3), p90=round(pct[90], 3), max=round(float(row.top), 3)
        )
    return out
