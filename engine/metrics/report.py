"""All metrics of one process in one read: every figure is an aggregate over `case` and the task
spans the steps keep (engine.spans), never over the raw event log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from engine.metrics import rollup
from engine.metrics.dialect import Dialect
from engine.metrics.handoffs import handoff_matrix, handoff_rows, handoffs_per_case
from engine.metrics.queries import case_counts, lead_time, open_stages, seconds_since, stage_stats, throughput
from engine.metrics.ranks import percentile_starts
from engine.metrics.scope import scoped_cases
from engine.metrics.spans import span_scope
from engine.metrics.targets import measure_targets
from engine.metrics.types import MetricsFilter, ProcessMetrics, StageStats, StuckCase
from engine.model import Handoff
from engine.process_card import Metric


def process_metrics(
    conn: Connection,
    f: MetricsFilter,
    *,
    now: datetime,
    card_metrics: tuple[Metric, ...] = (),
    stuck_after: timedelta | None = None,
    full: bool = False,
) -> ProcessMetrics:
    """The metrics of the cases `f` selects, measured at `now`.

    A whole process (no version, lane, period or segment chosen) is measured from the rollups
    (engine.metrics.rollup) unless `full` asks for the computation over the whole log, which gives
    the same figures (tests/integration/test_rollups.py) and measures every filtered choice.
    A running case is stuck when its open task has waited longer than `stuck_after`, or, without
    it, longer than the 90th percentile of that element's completed stages."""
    d = Dialect(conn.dialect.name)
    spans = span_scope(f, d)
    if not full and f == MetricsFilter(f.key, segment_field=f.segment_field):
        return _from_rollups(conn, f, d, spans, now=now, card_metrics=card_metrics, stuck_after=stuck_after)
    cases = scoped_cases(f, d).subquery("scope")
    stages = stage_stats(conn, spans, lane=f.lane)
    stuck = _stuck(open_stages(conn, spans), stages, now=now, stuck_after=stuck_after)
    return ProcessMetrics(
        filter=f,
        measured_at=now,
        cases=case_counts(conn, cases),
        throughput=tuple(throughput(conn, cases, d)),
        lead_time=lead_time(conn, cases, d),
        stages=tuple(stages),
        handoffs=tuple(handoff_matrix(conn, spans, lane=f.lane)),
        handoffs_per_case=handoffs_per_case(conn, cases, spans, lane=f.lane),
        targets=tuple(measure_targets(conn, f, d, card_metrics, now)),
        stuck=tuple(stuck),
    )


def _from_rollups(
    conn: Connection,
    f: MetricsFilter,
    d: Dialect,
    spans: list[Any],
    *,
    now: datetime,
    card_metrics: tuple[Metric, ...],
    stuck_after: timedelta | None,
) -> ProcessMetrics:
    starts = percentile_starts(conn, f.key)
    counts, months, lead, started = rollup.case_figures(conn, f.key, starts)
    stages = rollup.stage_stats(conn, f.key, starts)
    return ProcessMetrics(
        filter=f,
        measured_at=now,
        cases=counts,
        throughput=tuple(months),
        lead_time=lead,
        stages=tuple(stages),
        handoffs=tuple(rollup.handoff_matrix(conn, f.key, starts)),
        handoffs_per_case=rollup.handoffs_per_case(conn, f.key, started, rollup.total_handoffs(conn, f.key)),
        targets=tuple(measure_targets(conn, f, d, card_metrics, now)),
        stuck=tuple(_stuck(open_stages(conn, spans), stages, now=now, stuck_after=stuck_after)),
    )


def _stuck(rows: list[Any], stages: list[StageStats], *, now: datetime, stuck_after: timedelta | None) -> list[StuckCase]:
    p90 = {(s.element_id, s.lane): s.duration.p90 for s in stages}
    out = []
    for r in rows:
        threshold = stuck_after.total_seconds() if stuck_after is not None else p90.get((r.element_id, r.lane))
        waited = seconds_since(r.ready_at, now)
        if threshold is not None and waited > threshold:
            out.append(StuckCase(r.case_id, r.element_id, r.name, r.lane, r.ready_at, waited, threshold))
    return out


def handoff_list(conn: Connection, f: MetricsFilter) -> list[Handoff]:
    """Every handoff of the cases `f` selects, by the SQL rule (it must agree with engine.history)."""
    spans = span_scope(f, Dialect(conn.dialect.name))
    return [
        Handoff(r.case_id, r.from_lane, r.to_lane, r.at, r.element_id or "", r.picked_up_at) for r in handoff_rows(conn, spans)
    ]
