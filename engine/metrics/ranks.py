"""Exact statistics of a measure per group when the rollups know each group's count and sum and
where its percentiles' ranks lie (the bucket and how many values are below it): the mean is
sum / count, and the maximum and the percentiles are read along the measure's index — every read of
a measure in one UNION ALL statement, written as SQL text because building a hundred SQLAlchemy
subqueries per request costs more than the database's work.

Percentiles interpolate between the two nearest ranks exactly as engine.metrics.stats does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from engine.metrics.stats import PERCENTILES
from engine.metrics.types import Stats
from engine.rollups.spec import bucket_start

Key = tuple[Any, ...]
# per group and percentile: (bucket holding the rank, values in the buckets below it, group total)
Starts = dict[Key, dict[int, tuple[int, int, int]]]

_STARTS = text(
    "SELECT measure, group_a, group_b, bucket, below, n, total FROM ("
    " SELECT measure, group_a, group_b, bucket, n,"
    " SUM(n) OVER (PARTITION BY measure, group_a, group_b ORDER BY bucket ROWS UNBOUNDED PRECEDING) - n AS below,"
    " SUM(n) OVER (PARTITION BY measure, group_a, group_b) AS total"
    " FROM rollup_bucket WHERE process_key = :key AND n > 0) AS counted"
    " WHERE " + " OR ".join(f"(below <= (total - 1) * {q} / 100 AND (total - 1) * {q} / 100 < below + n)" for q in PERCENTILES)
)


def percentile_starts(conn: Connection, key: str) -> dict[str, Starts]:
    """Per measure (engine.rollups.spec.buckets) and group, where each percentile's rank lies; the
    database sums the bucket counts and returns only the buckets that hold a rank."""
    out: dict[str, Starts] = {}
    for r in conn.execute(_STARTS, {"key": key}):
        group: Key = () if r.measure == "lead" else (r.group_a or None, r.group_b or None)
        total, below, n = int(r.total), int(r.below), int(r.n)
        for q in PERCENTILES:
            if below <= (total - 1) * q // 100 < below + n:
                out.setdefault(r.measure, {}).setdefault(group, {})[q] = (int(r.bucket), below, total)
    return out


@dataclass(frozen=True)
class Measure:
    """A value column of a table, its group columns, and a fixed SQL condition on the rows."""

    table: str
    column: str
    groups: tuple[str, ...] = ()
    where: str = ""


def ranked_stats(conn: Connection, key: str, m: Measure, parts: dict[Key, tuple[int, float]], starts: Starts) -> dict[Key, Stats]:
    """Stats of `m` per group of `parts` (count, sum); `starts` from percentile_starts (a group
    without them is read from its first value: right, only slower)."""
    params: dict[str, Any] = {"k": key}
    reads: list[str] = []
    plans: list[tuple[Key, dict[int, int]]] = []
    for key_values, (n, _total) in parts.items():
        if n <= 0:
            continue
        i = len(plans)
        conditions = ["process_key = :k", f"{m.column} IS NOT NULL", *([m.where] if m.where else [])]
        for j, (column, value) in enumerate(zip(m.groups, key_values, strict=True)):
            if value is None:
                conditions.append(f"{column} IS NULL")
            else:
                params[f"g{i}_{j}"] = value
                conditions.append(f"{column} = :g{i}_{j}")
        mine = " AND ".join(conditions)
        reads.append(_read(i * 10, m, mine, desc=True, limit=1, offset=0))
        fracs: dict[int, int] = {}
        for q in PERCENTILES:
            rank, fracs[q] = (n - 1) * q // 100, (n - 1) * q % 100
            bucket, below, total = starts.get(key_values, {}).get(q, (0, 0, -1))
            start = ""
            if total == n:  # the buckets agree with the rollup's count: start at the rank's bucket
                rank -= below
                if bucket > 0:
                    params[f"b{i}_{q}"] = bucket_start(bucket)
                    start = f" AND {m.column} >= :b{i}_{q}"
            reads.append(_read(i * 10 + q // 10, m, mine + start, desc=False, limit=2 if fracs[q] else 1, offset=rank))
        plans.append((key_values, fracs))
    if not reads:
        return {}
    found: dict[int, list[float]] = {}
    for tag, v in conn.execute(text(" UNION ALL ".join(reads)), params):
        found.setdefault(int(tag), []).append(float(v))
    out: dict[Key, Stats] = {}
    for i, (key_values, fracs) in enumerate(plans):
        n, value_sum = parts[key_values]

        def pct(q: int, i: int = i, fracs: dict[int, int] = fracs) -> float:
            picked = sorted(found[i * 10 + q // 10])  # the one or two values at the rank, low first
            return picked[0] + (picked[-1] - picked[0]) * fracs[q] / 100.0

        out[key_values] = Stats(
            count=n, mean=round(value_sum / n, 3), median=round(pct(50), 3), p90=round(pct(90), 3), max=round(found[i * 10][0], 3)
        )
    return out


def _read(tag: int, m: Measure, where: str, *, desc: bool, limit: int, offset: int) -> str:
    order = f"{m.column} DESC" if desc else m.column
    return (
        f"SELECT {tag} AS tag, v FROM (SELECT {m.column} AS v FROM {m.table} WHERE {where}"
        f" ORDER BY {order} LIMIT {limit} OFFSET {offset}) AS r{tag}"
    )
