"""count, mean, median, 90th percentile and max per group over a task_span column, read along an
index in value order: one GROUP BY for count/mean/max, then per group and percentile the one or
two values at the ranks by ORDER BY … OFFSET, so the database walks index entries and sorts nothing.

Percentiles interpolate between the two nearest ranks exactly as engine.metrics.stats does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from engine.metrics.stats import PERCENTILES
from engine.rollups.spec import bucket_start
from engine.metrics.types import Stats


def _equal(column: Any, value: Any) -> ColumnElement[bool]:
    # `=` and `IS NULL`, not IS NOT DISTINCT FROM: PostgreSQL can use an index only for these
    return column.is_(None) if value is None else column == value


def _rank_value(conn: Connection, value: Any, where: Sequence[Any], rank: int, frac: int) -> float:
    picked = [float(v) for v in conn.execute(select(value).where(*where).order_by(value).offset(rank).limit(2 if frac else 1)).scalars()]
    low = picked[0]
    high = picked[1] if frac else low
    return low + (high - low) * frac / 100.0


def indexed_stats(
    conn: Connection, value: Any, where: Sequence[Any], groups: Sequence[Any], *, only: set[tuple[Any, ...]] | None = None
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
        out[key] = Stats(count=n, mean=round(float(row.mean), 3), median=round(pct[50], 3), p90=round(pct[90], 3), max=round(float(row.top), 3))
    return out


def ranked_stats(
    conn: Connection,
    value: Any,
    where: Sequence[Any],
    groups: Sequence[Any],
    parts: dict[tuple[Any, ...], tuple[int, float]],
    buckets: dict[tuple[Any, ...], list[tuple[int, int]]],
) -> dict[tuple[Any, ...], Stats]:
    """Stats of `value` per group when the count and the sum of each group are known (`parts`, from
    the rollups) and how many values lie in each bucket (`buckets`: (bucket, count) in bucket order,
    engine.rollups.spec.bucket_start): the mean is sum / count, the maximum is the last entry of the
    index, and a percentile's value is read from the start of the bucket holding its rank. All the
    reads go in one statement (UNION ALL of index reads), so the cost is the database's, not per statement."""
    present = [*where, value.is_not(None)]
    reads: list[Any] = []
    plans: dict[tuple[Any, ...], dict[int, int]] = {}
    for key, (n, _total) in parts.items():
        if n <= 0:
            continue
        mine = [*present, *(_equal(g, k) for g, k in zip(groups, key, strict=True))]
        tag = len(plans)
        plans[key] = {}
        reads.append(_read(tag * 10, select(value.label("v")).where(*mine).order_by(value.desc()).limit(1)))
        for q in PERCENTILES:
            rank, frac = (n - 1) * q // 100, (n - 1) * q % 100
            bound, offset = _bucket_start(buckets.get(key, []), rank)
            start = [value >= bound] if bound is not None else []
            plans[key][q] = frac
            reads.append(_read(tag * 10 + q // 10, select(value.label("v")).where(*mine, *start).order_by(value).offset(offset).limit(2 if frac else 1)))
    if not reads:
        return {}
    found: dict[int, list[float]] = {}
    for tag, v in conn.execute(union_all(*reads)):
        found.setdefault(int(tag), []).append(float(v))
    out: dict[tuple[Any, ...], Stats] = {}
    for i, (key, fracs) in enumerate(plans.items()):
        n, total = parts[key]

        def pct(q: int) -> float:
            picked = sorted(found[i * 10 + q // 10])  # the one or two values at the rank, low first
            return picked[0] + (picked[-1] - picked[0]) * fracs[q] / 100.0

        out[key] = Stats(count=n, mean=round(total / n, 3), median=round(pct(50), 3), p90=round(pct(90), 3), max=round(found[i * 10][0], 3))
    return out


def _read(tag: int, stmt: Any) -> Any:
    inner = stmt.subquery()
    return select(literal(tag).label("tag"), inner.c.v)


def _bucket_start(counts: list[tuple[int, int]], rank: int) -> tuple[float | None, int]:
    """The lower bound of the bucket holding `rank` (None: read from the first value), and the rank within it."""
    below = 0
    for bucket, count in counts:
        if rank < below + count:
            return (bucket_start(bucket) if bucket > 0 else None), rank - below
        below += count
    return None, rank  # counts short of the rank (none kept): read from the first value
