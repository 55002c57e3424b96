"""A three-lane diagram (customer + two organisations, an exclusive gateway, a timer) run from start
to end under a controlled clock: the exact lanes, handoffs and durations in the event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.history import handoffs, lead_time, stage_durations
from engine.model import CaseStatus, Lifecycle
from tests.conftest import read

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _only_task(kapula, case_id):
    tasks = kapula.ready_tasks(case_id=case_id)
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_three_lane_case_runs_to_its_end_with_exact_lanes_handoffs_and_durations(kapula, clock):
    clock.set(T0)
    result = kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    assert [v.key for v in result.versions] == ["Handoff_demo"]
    assert result.versions[0].actors == ("Asiakas", "SEK", "ELY")

    case = kapula.start_case("Handoff_demo", {"customer": "Oy Esimerkki Ab"}, user="anna")
    assert [(t.element_id, t.lane) for t in case.ready_tasks] == [("Task_describe", "Asiakas")]

    clock.advance(hours=1)
    task = _only_task(kapula, case.id)
    kapula.complete_task(task.id, {"need": "kasvu"}, user="asiakas")
    assert kapula.ready_tasks(lane="SEK")[0].element_id == "Task_prepare"

    clock.advance(hours=3)
    kapula.complete_task(_only_task(kapula, case.id).id, {"needs_funding": True}, user="sek.neuvoja")
    funding = _only_task(kapula, case.id)
    assert (funding.element_id, funding.lane) == ("Task_funding", "ELY")

    clock.advance(days=1)
    after_funding = kapula.complete_task(funding.id, {"decision": "myönteinen"}, user="ely.neuvoja")
    assert after_funding.ready_tasks == ()
    assert after_funding.next_timer_due == T0 + timedelta(days=3, hours=4)  # P2D after 12:00 on day two

    clock.advance(days=1)
    assert kapula.fire_due_timers() == 0, "the timer is not due yet"
    assert kapula.ready_tasks(case_id=case.id) == []

    clock.set(T0 + timedelta(days=3, hours=4, minutes=1))
    assert kapula.fire_due_timers() == 1
    aftercare = _only_task(kapula, case.id)
    assert (aftercare.element_id, aftercare.lane) == ("Task_aftercare", "SEK")

    clock.advance(hours=2)
    kapula.complete_task(aftercare.id, {}, user="sek.neuvoja")
    clock.advance(minutes=30)
    done = kapula.complete_task(_only_task(kapula, case.id).id, {"satisfaction": 4}, user="asiakas")
    assert done.status is CaseStatus.COMPLETED
    assert done.data["satisfaction"] == 4 and done.data["customer"] == "Oy Esimerkki Ab"

    events = kapula.history(case.id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    user_steps = [
        (e.lifecycle, e.element_id, e.lane, e.user)
        for e in events
        if e.element_type in (None, "userTask", "intermediateCatchEvent")
    ]
    assert user_steps == [
        (Lifecycle.CASE_STARTED, None, None, "anna"),
        (Lifecycle.TASK_READY, "Task_describe", "Asiakas", None),
        (Lifecycle.TASK_COMPLETED, "Task_describe", "Asiakas", "asiakas"),
        (Lifecycle.TASK_READY, "Task_prepare", "SEK", None),
        (Lifecycle.TASK_COMPLETED, "Task_prepare", "SEK", "sek.neuvoja"),
        (Lifecycle.TASK_READY, "Task_funding", "ELY", None),
        (Lifecycle.TASK_COMPLETED, "Task_funding", "ELY", "ely.neuvoja"),
        (Lifecycle.TASK_READY, "Timer_wait", "ELY", None),
        (Lifecycle.TASK_COMPLETED, "Timer_wait", "ELY", None),
        (Lifecycle.TASK_READY, "Task_aftercare", "SEK", None),
        (Lifecycle.TASK_COMPLETED, "Task_aftercare", "SEK", "sek.neuvoja"),
        (Lifecycle.TASK_READY, "Task_feedback", "Asiakas", None),
        (Lifecycle.TASK_COMPLETED, "Task_feedback", "Asiakas", "asiakas"),
        (Lifecycle.CASE_COMPLETED, None, None, None),
    ]
    prepared = next(e for e in events if e.element_id == "Task_prepare" and e.lifecycle is Lifecycle.TASK_COMPLETED)
    assert prepared.changed == {"needs_funding": True}
    gateway = [e for e in events if e.element_id == "Gateway_route"]
    assert [(e.lifecycle, e.lane) for e in gateway] == [(Lifecycle.TASK_READY, "SEK"), (Lifecycle.TASK_COMPLETED, "SEK")]

    durations = {s.element_id: s.duration for s in stage_durations(events)}
    assert durations["Task_describe"] == timedelta(hours=1)
    assert durations["Task_prepare"] == timedelta(hours=3)
    assert durations["Task_funding"] == timedelta(days=1)
    assert durations["Timer_wait"] == timedelta(days=2, minutes=1)
    assert durations["Task_aftercare"] == timedelta(hours=2)
    assert durations["Task_feedback"] == timedelta(minutes=30)
    assert lead_time(events) == timedelta(days=3, hours=6, minutes=31)

    assert [(h.from_lane, h.to_lane, h.element_id, h.at, h.pickup_time) for h in handoffs(events)] == [
        ("Asiakas", "SEK", "Task_prepare", T0 + timedelta(hours=1), timedelta(hours=3)),
        ("SEK", "ELY", "Task_funding", T0 + timedelta(hours=4), timedelta(days=1)),
        ("ELY", "SEK", "Task_aftercare", T0 + timedelta(days=3, hours=4, minutes=1), timedelta(hours=2)),
        ("SEK", "Asiakas", "Task_feedback", T0 + timedelta(days=3, hours=6, minutes=1), timedelta(minutes=30)),
    ]


def test_default_flow_skips_the_other_organisation(kapula, clock):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    kapula.complete_task(_only_task(kapula, case.id).id, {})
    kapula.complete_task(_only_task(kapula, case.id).id, {"needs_funding": False})
    assert _only_task(kapula, case.id).element_id == "Task_aftercare"
    lanes = {e.lane for e in kapula.history(case.id) if e.lane}
    assert lanes == {"Asiakas", "SEK"}
