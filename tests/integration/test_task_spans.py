"""Task spans: written by each step and claim, equal to a rebuild from the event log, backfilled by
the migration, and no handoff counted into an event (only activities receive work)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select

from engine import history
from engine.metrics.report import handoff_list
from engine.metrics.types import MetricsFilter
from engine.persistence.database import make_engine
from engine.persistence.migrate import alembic_config, upgrade
from engine.spans.store import SPAN, rebuild_spans
from tests.conftest import read
from tests.integration.metrics_log import KEY, build_log

H = 3600.0


def _spans(url: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(SPAN).order_by(SPAN.c.case_id, SPAN.c.ready_seq, SPAN.c.task_id))]
    finally:
        engine.dispose()


def test_steps_and_claims_write_the_spans_of_the_log(kapula, clock, database_url):
    two = build_log(kapula, clock)[1]
    engine = make_engine(database_url)
    with engine.connect() as conn:
        rows = {r.element_id: r for r in conn.execute(select(SPAN).where(SPAN.c.case_id == two))}
    engine.dispose()
    assert "Gateway_route" not in rows  # gateways route, they hold no work
    prepare = rows["Task_prepare"]
    assert (prepare.lane, prepare.from_lane, prepare.outcome) == ("SEK", "Asiakas", "completed")
    # SQLite's julianday() arithmetic leaves noise below the millisecond; the metrics round to it
    assert tuple(round(v, 3) for v in (prepare.waiting_s, prepare.working_s, prepare.duration_s, prepare.pickup_s)) == (
        1 * H,
        3 * H,
        4 * H,
        1 * H,
    )
    assert (rows["Task_funding"].from_lane, rows["Task_aftercare"].from_lane, rows["Task_feedback"].from_lane) == (
        "SEK",
        "ELY",
        "SEK",
    )
    assert rows["Timer_wait"].from_lane is None and round(rows["Timer_wait"].duration_s, 3) == 50 * H
    assert rows["EndEvent_done"].from_lane is None and rows["EndEvent_done"].duration_s == 0
    assert rows["Task_describe"].claimed_at is None and round(rows["Task_describe"].pickup_s, 3) == 1 * H


def test_a_rebuild_from_the_event_log_gives_the_same_spans(kapula, clock, database_url):
    build_log(kapula, clock)
    written = _spans(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        assert rebuild_spans(conn) == len(written)
        assert rebuild_spans(conn, process_key="no_such_process") == 0
    engine.dispose()
    assert _spans(database_url) == written and len(written) == 19


def test_the_migration_backfills_spans_of_an_existing_log(kapula, clock, database_url):
    build_log(kapula, clock)
    written = _spans(database_url)
    engine = make_engine(database_url)
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")  # a database from before task_span, its history in `event`
    upgrade(engine)
    engine.dispose()
    assert _spans(database_url) == written


def test_no_handoff_into_an_end_event_in_another_lane(kapula, clock, database_url):
    kapula.deploy([read("end_in_customer_lane.bpmn")])
    case = kapula.start_case("End_lane_demo")
    for hours in (1, 2):
        clock.advance(hours=hours)
        (task,) = kapula.get_case(case.id).ready_tasks
        kapula.complete_task(task.id, {}, user="someone")
    assert kapula.get_case(case.id).status.value == "completed"
    expected = [("Asiakas", "ELY", "Task_decide")]
    assert [(h.from_lane, h.to_lane, h.element_id) for h in history.handoffs(kapula.history(case.id))] == expected
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert [(h.from_lane, h.to_lane, h.element_id) for h in handoff_list(conn, MetricsFilter("End_lane_demo"))] == expected
    engine.dispose()
    m = kapula.metrics("End_lane_demo")
    assert [(c.from_lane, c.to_lane, c.count) for c in m.handoffs] == [("Asiakas", "ELY", 1)]
    assert m.handoffs_per_case.max == 1


def test_metrics_read_the_same_numbers_after_a_rebuild(kapula, clock, database_url):
    build_log(kapula, clock)
    before = kapula.metrics(KEY)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        rebuild_spans(conn, process_key=KEY)
    engine.dispose()
    assert kapula.metrics(KEY) == before
