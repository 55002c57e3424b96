"""The metrics of a whole process from the rollups (engine.rollups): counts, sums and means summed
over the per-version, per-month rows; medians, 90th percentiles and maxima read exactly along the
indexes of task_span and case_fact (engine.metrics.ordered). The same figures as the queries over
the whole log (engine.metrics.queries, .handoffs), which stay for filtered measurements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from engine.metrics.ranks import Measure, Starts, ranked_stats
from engine.metrics.scope import CASE, INCIDENT
from engine.metrics.types import CaseCounts, HandoffCell, MonthCount, StageStats, Stats
from engine.persistence.tables import RollupCaseMonthRecord, RollupHandoffRecord, RollupStageRecord, table_of
from engine.rollups.spec import WORK

STAGE = table_of(RollupStageRecord)
HANDOFF = table_of(RollupHandoffRecord)
CASE_MONTH = table_of(RollupCaseMonthRecord)


def _none(value: str) -> str | None:
    return value if value != "" else None  # the rollups key a missing element or lane as ''


def case_figures(conn: Connection, key: str, starts: dict[str, Starts]) -> tuple[CaseCounts, list[MonthCount], Stats, int]:
    """Case counts, monthly throughput, lead time, and the handoff total (for the mean per case)."""
    m = CASE_MONTH.c
    rows = conn.execute(
        select(
            m.month,
            func.sum(m.started).label("started"),
            func.sum(m.running).label("running"),
            func.sum(m.failed).label("failed"),
            func.sum(m.completed).label("completed"),
            func.sum(m.cancelled).label("cancelled"),
            func.sum(m.lead_n).label("lead_n"),
            func.sum(m.lead_sum).label("lead_sum"),
        )
        .where(m.process_key == key)
        .group_by(m.month)
        .order_by(m.month)
    ).all()
    months = [
        MonthCount(r.month, int(r.started), int(r.completed), int(r.cancelled))
        for r in rows
        if r.started or r.completed or r.cancelled
    ]
    started, running, failed = (sum(int(getattr(r, c)) for r in rows) for c in ("started", "running", "failed"))
    completed, cancelled = sum(int(r.completed) for r in rows), sum(int(r.cancelled) for r in rows)
    lead_n, lead_sum = sum(int(r.lead_n) for r in rows), sum(float(r.lead_sum) for r in rows)
    lead = ranked_stats(conn, key, Measure("case_fact", "lead_s"), {(): (lead_n, lead_sum)}, starts.get("lead", {}))
    counts = CaseCounts(started, completed, cancelled, running, failed=failed, incidents=_incidents(conn, key))
    return counts, months, lead.get((), Stats(0)), started


def _incidents(conn: Connection, key: str) -> int:
    """Failed unattended steps of the process's cases, open and resolved (few: from each incident to its case)."""
    c = CASE.c
    return int(
        conn.execute(
            select(func.count()).select_from(INCIDENT.join(CASE, c.id == INCIDENT.c.case_id)).where(c.process_key == key)
        ).scalar_one()
    )


def handoffs_per_case(conn: Connection, key: str, cases: int, handoffs: int) -> Stats:
    """Handoffs per case over every case of the process (a case without handoffs counts as 0)."""
    # whole numbers in a narrow range: the index walk from the first case is short enough
    found = ranked_stats(conn, key, Measure("case_fact", "handoffs"), {(): (cases, float(handoffs))}, {})
    return found.get((), Stats(0))


def handoff_matrix(conn: Connection, key: str, starts: dict[str, Starts]) -> list[HandoffCell]:
    h = HANDOFF.c
    rows = conn.execute(
        select(
            h.from_lane, h.to_lane, func.sum(h.n).label("n"), func.sum(h.pickup_n).label("pn"), func.sum(h.pickup_sum).label("ps")
        )
        .where(h.process_key == key)
        .group_by(h.from_lane, h.to_lane)
        .having(func.sum(h.n) > 0)
        .order_by(h.from_lane, h.to_lane)
    ).all()
    parts = {(r.from_lane, _none(r.to_lane)): (int(r.pn), float(r.ps)) for r in rows}
    pickup = ranked_stats(
        conn,
        key,
        Measure("task_span", "pickup_s", ("from_lane", "lane"), "from_lane IS NOT NULL"),
        parts,
        starts.get("pickup", {}),
    )
    return [HandoffCell(r.from_lane, r.to_lane, int(r.n), pickup.get((r.from_lane, _none(r.to_lane)), Stats(0))) for r in rows]


def stage_stats(conn: Connection, key: str, starts: dict[str, Starts]) -> list[StageStats]:
    """Per element and lane, in the order the elements first became ready (as queries.stage_stats)."""
    t = STAGE.c
    sums = {
        c: func.sum(t[c]).label(c)
        for c in (
            "spans",
            "instants",
            "cancelled",
            "unclaimed",
            "open_now",
            "dur_n",
            "dur_sum",
            "wait_n",
            "wait_sum",
            "work_n",
            "work_sum",
        )
    }
    first_ready = func.min(t.first_ready)
    rows = conn.execute(
        select(
            t.element_id, t.lane, func.max(t.name).label("name"), func.max(t.element_type).label("element_type"), *sums.values()
        )
        .where(t.process_key == key)
        .group_by(t.element_id, t.lane)
        .having(func.sum(t.spans) - func.sum(t.instants) > 0)
        .order_by(first_ready, t.element_id)
    ).all()
    groups = {(_none(r.element_id), _none(r.lane)): r for r in rows}

    def measured(column: str, measure: str) -> dict[tuple[Any, ...], Stats]:
        n, total = f"{measure}_n", f"{measure}_sum"
        pure = {k: (int(getattr(r, n)), float(getattr(r, total))) for k, r in groups.items() if not r.instants}
        mixed = {k: (int(getattr(r, n)), float(getattr(r, total))) for k, r in groups.items() if r.instants}
        counts = starts.get(measure, {})
        found = ranked_stats(conn, key, Measure("task_span", column, ("element_id", "lane")), pure, counts)
        if mixed:  # an element id whose type changed between versions: the instants checked row by row
            found.update(
                ranked_stats(
                    conn, key, Measure("task_span", column, ("element_id", "lane"), WORK.format(r="task_span")), mixed, counts
                )
            )
        return found

    durations, waiting, working = measured("duration_s", "dur"), measured("waiting_s", "wait"), measured("working_s", "work")
    # the stored key, not k[0]: never '' (spans open only on BPMN elements' tasks, which have ids:
    # engine.runtime.case_state._transitions), and StageStats names its element by a str
    return [
        StageStats(
            element_id=r.element_id,
            name=r.name,
            lane=k[1],
            element_type=r.element_type,
            duration=durations.get(k, Stats(0)),
            cancelled=int(r.cancelled),
            waiting=waiting.get(k, Stats(0)),
            working=working.get(k, Stats(0)),
            unclaimed=int(r.unclaimed),
            open_now=int(r.open_now),
        )
        for k, r in groups.items()
    ]


def total_handoffs(conn: Connection, key: str) -> int:
    h = HANDOFF.c
    return int(conn.execute(select(func.coalesce(func.sum(h.n), 0)).where(h.process_key == key)).scalar_one())


__all__: Sequence[str] = ("case_figures", "handoff_matrix", "handoffs_per_case", "stage_stats", "total_handoffs")
