"""Event-based gateways: every timer after one is scheduled, the earliest is the case's next due
time, the first to fire wins and the other branches are withdrawn (BPMN 2.0, 10.5.6).

The fixture is ../shared/cases/engine/event-gateway-timers: "Send offer", then a PT1H timer
("Follow-up call") racing a PT2H timer ("Close as expired")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.model import Lifecycle, WaitingEvent
from tests.conftest import BPMN, read

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
KEY = "Event_gateway_timers"


def _at_gateway(kapula, clock):
    clock.set(T0)
    kapula.deploy([read("event_gateway_timers.bpmn")])
    case = kapula.start_case(KEY)
    return kapula.complete_task(case.ready_tasks[0].id, {})


def test_after_send_offer_the_case_is_due_at_the_earliest_timer_and_names_both(kapula, clock):
    case = _at_gateway(kapula, clock)
    assert case.next_timer_due == T0 + timedelta(hours=1)
    assert case.waiting_for == (
        WaitingEvent("Timer_short", "1 hour", "timer", due=T0 + timedelta(hours=1)),
        WaitingEvent("Timer_long", "2 hours", "timer", due=T0 + timedelta(hours=2)),
    )
    assert kapula.get_case(case.id).waiting_for == case.waiting_for  # as stored


def test_the_first_timer_wins_and_the_other_branch_is_withdrawn(kapula, clock):
    case = _at_gateway(kapula, clock)
    clock.advance(minutes=59)
    assert kapula.fire_due_timers() == 0
    clock.advance(minutes=2)
    assert kapula.fire_due_timers() == 1
    after = kapula.get_case(case.id)
    assert [t.name for t in after.ready_tasks] == ["Follow-up call"]
    assert after.next_timer_due is None and after.waiting_for == ()

    clock.advance(hours=3)  # the PT2H timer would be long due: it is gone
    assert kapula.fire_due_timers() == 0
    assert [t.name for t in kapula.ready_tasks(case_id=case.id)] == ["Follow-up call"]
    elements = {e.element_id for e in kapula.history(case.id)}
    assert "Timer_short" in elements and not elements & {"Timer_long", "Task_close"}


def test_when_both_timers_are_due_at_one_tick_only_the_earlier_wins(kapula, clock):
    case = _at_gateway(kapula, clock)
    clock.advance(hours=5)
    assert kapula.fire_due_timers() == 1
    assert [t.name for t in kapula.ready_tasks(case_id=case.id)] == ["Follow-up call"]


def test_timers_after_a_gateway_fire_after_a_restart(open_engine, clock):
    first = open_engine()
    case = _at_gateway(first, clock)
    first.close()
    clock.advance(hours=2, minutes=1)
    second = open_engine()
    assert second.get_case(case.id).next_timer_due == T0 + timedelta(hours=1)
    assert second.fire_due_timers() == 1
    assert [t.name for t in second.ready_tasks(case_id=case.id)] == ["Follow-up call"]


def test_unnamed_timers_each_keep_their_own_due_time(kapula, clock):
    # the longer timer first, and no names: SpiffWorkflow's own rule found branches by equality
    text = (BPMN / "event_gateway_timers.bpmn").read_text()
    text = text.replace(' name="1 hour"', "").replace(' name="2 hours"', "")
    text = text.replace('"PT1H"', '"TMP"').replace('"PT2H"', '"PT1H"').replace('"TMP"', '"PT2H"')
    clock.set(T0)
    kapula.deploy([("event_gateway_unnamed.bpmn", text.encode())])
    case = kapula.start_case(KEY)
    case = kapula.complete_task(case.ready_tasks[0].id, {})
    assert [(e.element_id, e.due) for e in case.waiting_for] == [
        ("Timer_short", T0 + timedelta(hours=2)),
        ("Timer_long", T0 + timedelta(hours=1)),
    ]
    clock.advance(hours=1, minutes=1)
    assert kapula.fire_due_timers() == 1
    assert [t.name for t in kapula.ready_tasks(case_id=case.id)] == ["Close as expired"]
    done = kapula.complete_task(kapula.ready_tasks(case_id=case.id)[0].id, {})
    assert done.status.value == "completed"
    assert Lifecycle.CASE_COMPLETED in [e.lifecycle for e in kapula.history(case.id)]
