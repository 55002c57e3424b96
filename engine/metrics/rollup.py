"""The metrics of a whole process from the rollups (engine.rollups): counts, sums and means summed
over the per-version, per-month rows; medians, 90th percentiles and maxima read exactly along the
indexes of task_span and case_fact (engine.metrics.ordered). The same figures as the queries over
the whole log (engine.metrics.queries, .handoffs), which stay for filtered measurements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, or_, select

from engine.metrics.ordered import ranked_stats
from engine.metrics.scope import CASE, INCIDENT, INSTANT_TYPES
from engine.metrics.spans import SPAN
from engine.metrics.types import CaseCounts, HandoffCell, MonthCount, StageStats, Stats
from engine.persistence.tables import CaseFactRecord, RollupBucketRecord, RollupCaseMonthRecord, RollupHandoffRecord, RollupStageRecord

STAGE: Table = RollupStageRecord.__table__  # type: ignore[assignment]
HANDOFF: Table = RollupHandoffRecord.__table__  # type: ignore[assignment]
CASE_MONTH: Table = RollupCaseMonthRecord.__table__  # type: ignore[assignment]
FACT: Table = CaseFactRecord.__table__  # type: ignore[assignment]
BUCKET: Table = RollupBucketRecord.__table__  # type: ignore[assignment]


def _none(value: str) -> str | None:
    return value if value != "" else None  # the rollups key a missing element or lane as ''


Buckets = dict[tuple[Any, ...], list[tuple[int, int]]]


def bucket_counts(conn: Connection, key: str) -> dict[str, Buckets]:
    """Per measure and group, (bucket, count) in bucket order (engine.rollups.spec.buckets); the
    process-wide lead time is the group ()."""
    b = BUCKET.c
    rows = conn.execute(
        select(b.measure, b.group_a, b.group_b, b.bucket, b.n).where(b.process_key == key, b.n > 0)
        .order_by(b.measure, b.group_a, b.group_b, b.bucket)
    ).all()
    out: dict[str, Buckets] = {}
    for r in rows:
        group = () if r.measure == "lead" else (_none(r.group_a), _none(r.group_b))
        out.setdefault(r.measure, {}).setdefault(group, []).append((int(r.bucket), int(r.n)))
    return out


def case_figures(conn: Connection, key: str, buckets: dict[str, Buckets]) -> tuple[CaseCounts, list[MonthCount], Stats, int]:
    """Case counts, monthly throughput, lead time, and the handoff total (for the mean per case)."""
    m = CASE_MONTH.c
    rows = conn.execute(
        select(m.month, func.sum(m.started).label("started"), func.sum(m.running).label("running"), func.sum(m.failed).label("failed"),
               func.sum(m.completed).label("completed"), func.sum(m.cancelled).label("cancelled"),
               func.sum(m.lead_n).label("lead_n"), func.sum(m.lead_sum).label("lead_sum"))
        .where(m.process_key == key).group_by(m.month).order_by(m.month)
    ).all()
    months = [MonthCount(r.month, int(r.started), int(r.completed), int(r.cancelled)) for r in rows if r.started or r.completed or r.cancelled]
    started, running, failed = (sum(int(getattr(r, c)) for r in rows) for c in ("started", "running", "failed"))
    completed, cancelled = sum(int(r.completed) for r in rows), sum(int(r.cancelled) for r in rows)
    lead_n, lead_sum = sum(int(r.lead_n) for r in rows), sum(float(r.lead_sum) for r in rows)
    f = FACT.c
    lead = ranked_stats(conn, f.lead_s, [f.process_key == key], [], {(): (lead_n, lead_sum)}, buckets.get("lead", {}))
    counts = CaseCounts(started, completed, cancelled, running, failed=failed, incidents=_incidents(conn, key))
    return counts, months, lead.get((), Stats(0)), started


def _incidents(conn: Connection, key: str) -> int:
    """Failed unattended steps of the process's cases, open and resolved (few: from each incident to its case)."""
    c = CASE.c
    return int(conn.execute(select(func.count()).select_from(INCIDENT.join(CASE, c.id == INCIDENT.c.case_id)).where(c.process_key == key)).scalar_one())


def handoffs_per_case(conn: Connection, key: str, cases: int, handoffs: int) -> Stats:
    """Handoffs per case over every case of the process (a case without handoffs counts as 0)."""
    f = FACT.c
    # whole numbers in a narrow range: the index walk from the first case is short enough
    found = ranked_stats(conn, f.handoffs, [f.process_key == key], [], {(): (cases, float(handoffs))}, {})
    return found.get((), Stats(0))


def handoff_matrix(conn: Connection, key: str, buckets: dict[str, Buckets]) -> list[HandoffCell]:
    h, s = HANDOFF.c, SPAN.c
    rows = conn.execute(
        select(h.from_lane, h.to_lane, func.sum(h.n).label("n"), func.sum(h.pickup_n).label("pn"), func.sum(h.pickup_sum).label("ps"))
        .where(h.process_key == key).group_by(h.from_lane, h.to_lane).having(func.sum(h.n) > 0).order_by(h.from_lane, h.to_lane)
    ).all()
    parts = {(r.from_lane, _none(r.to_lane)): (int(r.pn), float(r.ps)) for r in rows}
    pickup = ranked_stats(conn, s.pickup_s, [s.process_key == key, s.from_lane.is_not(None)], [s.from_lane, s.lane], parts,
                          buckets.get("pickup", {}))
    return [HandoffCell(r.from_lane, r.to_lane, int(r.n), pickup.get((r.from_lane, _none(r.to_lane)), Stats(0))) for r in rows]


def stage_stats(conn: Connection, key: str, buckets: dict[str, Buckets]) -> list[StageStats]:
    """Per element and lane, in the order the elements first became ready (as queries.stage_stats)."""
    t, s = STAGE.c, SPAN.c
    sums = {c: func.sum(t[c]).label(c) for c in ("spans", "instants", "cancelled", "unclaimed", "open_now",
                                                  "dur_n", "dur_sum", "wait_n", "wait_sum", "work_n", "work_sum")}
    first_ready = func.min(t.first_ready)
    rows = conn.execute(
        select(t.element_id, t.lane, func.max(t.name).label("name"), func.max(t.element_type).label("element_type"), *sums.values())
        .where(t.process_key == key).group_by(t.element_id, t.lane)
        .having(func.sum(t.spans) - func.sum(t.instants) > 0).order_by(first_ready, t.element_id)
    ).all()
    groups = {(_none(r.element_id), _none(r.lane)): r for r in rows}
    work = [s.element_type.is_(None), s.element_type.not_in(INSTANT_TYPES)]
    base = [s.process_key == key]

    def measured(value: Any, measure: str) -> dict[tuple[Any, ...], Stats]:
        n, total = f"{measure}_n", f"{measure}_sum"
        pure = {k: (int(getattr(r, n)), float(getattr(r, total))) for k, r in groups.items() if not r.instants}
        mixed = {k: (int(getattr(r, n)), float(getattr(r, total))) for k, r in groups.items() if r.instants}
        counts = buckets.get(measure, {})
        found = ranked_stats(conn, value, base, [s.element_id, s.lane], pure, counts)
        if mixed:  # an element id whose type changed between versions: the instants checked row by row
            found.update(ranked_stats(conn, value, [*base, or_(*work)], [s.element_id, s.lane], mixed, counts))
        return found

    durations, waiting, working = measured(s.duration_s, "dur"), measured(s.waiting_s, "wait"), measured(s.working_s, "work")
    return [
        StageStats(
            element_id=k[0], name=r.name, lane=k[1], element_type=r.element_type,
            duration=durations.get(k, Stats(0)), cancelled=int(r.cancelled), waiting=waiting.get(k, Stats(0)),
            working=working.get(k, Stats(0)), unclaimed=int(r.unclaimed), open_now=int(r.open_now),
        )
        for k, r in groups.items()
    ]


def total_handoffs(conn: Connection, key: str) -> int:
    h = HANDOFF.c
    return int(conn.execute(select(func.coalesce(func.sum(h.n), 0)).where(h.process_key == key)).scalar_one())


__all__: Sequence[str] = ("bucket_counts", "case_figures", "handoff_matrix", "handoffs_per_case", "stage_stats", "total_handoffs")
