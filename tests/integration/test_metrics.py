"""Process metrics from aggregate SQL, with exact numbers on a log built under a FakeClock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from engine import history
from engine.errors import NotFoundError
from engine.metrics.report import handoff_list
from engine.metrics.types import MetricsFilter, Stats
from engine.persistence.database import make_engine
from tests.integration.metrics_log import KEY, NOW, build_log

H = 3600.0


@contextmanager
def connect(url):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@pytest.fixture
def logged(kapula, clock):
    build_log(kapula, clock)
    return kapula


def stage(metrics, element_id):
    return next(s for s in metrics.stages if s.element_id == element_id)


def test_case_counts_throughput_and_lead_time(logged):
    m = logged.metrics(KEY)
    assert (m.cases.started, m.cases.completed, m.cases.cancelled, m.cases.in_progress) == (4, 2, 1, 1)
    assert [(t.month, t.started, t.completed, t.cancelled) for t in m.throughput] == [("2026-01", 4, 2, 1)]
    # 7 h and 59 h: the median interpolates, p90 = 7 + 0.9 · 52 h
    assert m.lead_time == Stats(count=2, mean=33 * H, median=33 * H, p90=53.8 * H, max=59 * H)
    assert m.measured_at == NOW


def test_stage_durations_waiting_and_working(logged):
    m = logged.metrics(KEY)
    assert [s.element_id for s in m.stages] == [
        "Task_describe",
        "Task_prepare",
        "Task_aftercare",
        "Task_feedback",
        "Task_funding",
        "Timer_wait",
    ]
    describe = stage(m, "Task_describe")
    assert describe.duration == Stats(3, 1 * H, 1 * H, 1 * H, 1 * H) and describe.cancelled == 1
    prepare = stage(m, "Task_prepare")
    assert (prepare.lane, prepare.duration) == ("SEK", Stats(2, 3 * H, 3 * H, 3.8 * H, 4 * H))
    # only case 2 claimed it: waiting is known for that one, case 1's is unknown, case 3's is open
    assert prepare.waiting == Stats(1, 1 * H, 1 * H, 1 * H, 1 * H)
    assert prepare.working == Stats(1, 3 * H, 3 * H, 3 * H, 3 * H)
    assert (prepare.unclaimed, prepare.open_now) == (1, 1)
    assert stage(m, "Timer_wait").duration == Stats(1, 50 * H, 50 * H, 50 * H, 50 * H)


def test_handoff_matrix_and_handoffs_per_case(logged):
    m = logged.metrics(KEY)
    cells = {(h.from_lane, h.to_lane): h for h in m.handoffs}
    assert {k: c.count for k, c in cells.items()} == {
        ("Asiakas", "SEK"): 3,
        ("SEK", "Asiakas"): 2,
        ("SEK", "ELY"): 1,
        ("ELY", "SEK"): 1,
    }
    # picked up when claimed (case 2: 1 h) or else completed (case 1: 2 h); case 3's is still waiting
    assert cells["Asiakas", "SEK"].pickup == Stats(2, 1.5 * H, 1.5 * H, 1.9 * H, 2 * H)
    assert cells["SEK", "ELY"].pickup.median == 2 * H
    # cases have 2, 4, 1 and 0 handoffs
    assert m.handoffs_per_case == Stats(4, 1.75, 1.5, 3.4, 4.0)


def test_sql_handoffs_agree_with_the_history_rule(logged, database_url):
    cases = logged.cases(process_key=KEY)
    expected = sorted(
        (h for c in cases for h in history.handoffs(logged.history(c.id))), key=lambda h: (h.case_id, h.at, h.element_id)
    )
    with connect(database_url) as conn:
        found = sorted(handoff_list(conn, MetricsFilter(KEY)), key=lambda h: (h.case_id, h.at, h.element_id))
    assert found == expected and len(found) == 7


def test_stuck_cases_past_the_stage_p90(logged, clock):
    (stuck,) = logged.metrics(KEY).stuck
    assert (stuck.element_id, stuck.lane, stuck.waited_seconds, stuck.threshold_seconds) == (
        "Task_prepare",
        "SEK",
        5 * H,
        3.8 * H,
    )
    assert logged.metrics(KEY, stuck_after=timedelta(hours=6)).stuck == ()
    clock.set(datetime(2026, 1, 8, 6, 0, tzinfo=UTC))
    assert logged.metrics(KEY).stuck == ()


def test_filters_segment_window_lane_version(logged):
    founders = logged.metrics(KEY, segment="founder")
    assert (founders.cases.started, founders.cases.completed, founders.lead_time.max) == (2, 1, 7 * H)
    later = logged.metrics(KEY, since=datetime(2026, 1, 6, tzinfo=UTC))
    assert (later.cases.started, later.cases.in_progress, later.cases.cancelled) == (2, 1, 1)
    sek = logged.metrics(KEY, lane="SEK")
    assert {s.lane for s in sek.stages} == {"SEK"}
    assert all("SEK" in (h.from_lane, h.to_lane) for h in sek.handoffs) and sek.handoffs_per_case.max == 4
    assert logged.metrics(KEY, version=1).cases.started == 4
    with pytest.raises(NotFoundError, match="Handoff_demo v2"):  # a version the process lacks, not zeros
        logged.metrics(KEY, version=2)


def test_unknown_process_is_not_found(kapula):
    with pytest.raises(NotFoundError):
        kapula.metrics("no_such_process")


def _metric(ident, kind, target, *, unit="kpl", comparison=">=", **measure):
    from engine.process_card import Measure, Metric

    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in measure.items()}
    return Metric(ident, ident, target, unit, "year", comparison, "event log", "steering group", Measure(kind, **fields))


def test_card_targets_against_the_year_so_far(logged, database_url):
    from engine.metrics.dialect import Dialect
    from engine.metrics.targets import measure_targets

    metrics = (
        _metric("started", "cases_started", 20),
        _metric("completed", "cases_completed", 10),
        _metric("funded", "cases_reaching", 5, elements=["Task_funding"]),
        _metric("described", "element_completions", 30, elements=["Task_describe"]),
        _metric("new_customers", "field_true", 8, fields=["new_customer"]),
        _metric("founders", "field_equals", None, field="segment", value="founder"),
        _metric("satisfaction", "field_mean", 3, unit="1-4", field="satisfaction"),
        _metric("new_share", "field_share_true", 80, unit="%", fields=["new_customer"]),
        _metric("lead", "lead_time_mean", 2, unit="d", comparison="<="),
        _metric("plans", "manual", 80, unit="%"),
    )
    with connect(database_url) as conn:
        found = {t.id: t for t in measure_targets(conn, MetricsFilter(KEY), Dialect(conn.dialect.name), metrics, NOW)}
    assert {k: t.value for k, t in found.items()} == {
        "started": 4,
        "completed": 2,
        "funded": 1,
        "described": 3,
        "new_customers": 1,
        "founders": 2,
        "satisfaction": 3.5,
        "new_share": 50.0,
        "lead": round(33 / 24, 3),
        "plans": None,
    }
    started = found["started"]
    # 176 of the year's 8760 hours have passed: 4 cases so far is a pace of 199.1 a year
    assert (started.share_of_target, started.projection, started.on_track) == (0.2, 199.1, True)
    assert started.period_start == datetime(2026, 1, 1, tzinfo=UTC) and started.period_end == datetime(2027, 1, 1, tzinfo=UTC)
    assert found["satisfaction"].on_track is True and found["satisfaction"].projection is None
    assert found["new_share"].on_track is False and found["lead"].on_track is True
    assert found["plans"].on_track is None
