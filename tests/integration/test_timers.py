"""Timer start, intermediate and boundary events fire when the injected clock says they are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.model import CaseStatus, Lifecycle
from tests.conftest import read

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_an_interrupting_boundary_timer_moves_the_case_when_the_deadline_passes(kapula, clock):
    clock.set(T0)
    kapula.deploy([read("timer_boundary.bpmn")])
    case = kapula.start_case("Boundary_demo")
    assert [t.element_id for t in case.ready_tasks] == ["Task_decide"]
    assert case.next_timer_due == T0 + timedelta(days=5)

    clock.advance(days=4, hours=23)
    assert kapula.fire_due_timers() == 0
    clock.advance(hours=2)
    assert kapula.fire_due_timers() == 1

    (task,) = kapula.ready_tasks(case_id=case.id)
    assert (task.element_id, task.lane) == ("Task_escalate", "SEK")
    decide = [e.lifecycle for e in kapula.history(case.id) if e.element_id == "Task_decide"]
    assert decide == [Lifecycle.TASK_READY, Lifecycle.TASK_CANCELLED]
    assert kapula.get_case(case.id).next_timer_due is None

    done = kapula.complete_task(task.id, {"reason": "puuttuvat liitteet"})
    assert done.status is CaseStatus.COMPLETED


def test_a_task_completed_before_its_deadline_leaves_no_timer(kapula, clock):
    clock.set(T0)
    kapula.deploy([read("timer_boundary.bpmn")])
    case = kapula.start_case("Boundary_demo")
    clock.advance(days=1)
    done = kapula.complete_task(case.ready_tasks[0].id, {"decision": "myönteinen"})
    assert done.status is CaseStatus.COMPLETED and done.next_timer_due is None
    clock.advance(days=10)
    assert kapula.fire_due_timers() == 0
    assert "Timer_deadline" not in {e.element_id for e in kapula.history(case.id) if e.lifecycle is Lifecycle.TASK_COMPLETED}


def test_a_timer_start_event_holds_the_case_until_its_date(kapula, clock):
    clock.set(T0)
    kapula.deploy([read("timer_start.bpmn")])
    case = kapula.start_case("Seminar_reminder")
    assert case.ready_tasks == ()
    assert case.next_timer_due == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)

    clock.set(datetime(2026, 2, 1, 8, 59, tzinfo=UTC))
    assert kapula.fire_due_timers() == 0
    clock.set(datetime(2026, 2, 1, 9, 1, tzinfo=UTC))
    assert kapula.fire_due_timers() == 1
    assert [t.element_id for t in kapula.ready_tasks(case_id=case.id)] == ["Task_theme"]


def test_timers_fire_after_a_restart(open_engine, clock):
    clock.set(T0)
    first = open_engine()
    first.deploy([read("timer_boundary.bpmn")])
    case = first.start_case("Boundary_demo")
    first.close()

    clock.advance(days=6)
    second = open_engine()
    assert second.fire_due_timers() == 1
    assert [t.element_id for t in second.ready_tasks(case_id=case.id)] == ["Task_escalate"]


def test_two_processes_firing_timers_at_once_fire_each_timer_once(open_engine, clock):
    import threading

    clock.set(T0)
    engines = [open_engine(), open_engine()]
    engines[0].deploy([read("timer_boundary.bpmn")])
    cases = [engines[0].start_case("Boundary_demo") for _ in range(6)]
    clock.advance(days=6)
    moved: list[int] = []
    barrier = threading.Barrier(2)

    def fire(kapula):
        barrier.wait()
        moved.append(kapula.fire_due_timers())

    threads = [threading.Thread(target=fire, args=(k,)) for k in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(moved) == len(cases)
    for case in cases:
        fired = [
            e for e in engines[0].history(case.id) if e.element_id == "Timer_deadline" and e.lifecycle is Lifecycle.TASK_COMPLETED
        ]
        assert len(fired) == 1
        assert [t.element_id for t in engines[1].ready_tasks(case_id=case.id)] == ["Task_escalate"]
