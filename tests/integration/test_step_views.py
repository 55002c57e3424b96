"""What a step returns is exactly what reading the case back gives: the view is built from the live
workflow inside the step's transaction, so it must never drift from the stored state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.clock import FakeClock
from engine.demo import run_demo
from tests.conftest import FIXTURES, read, statements

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


class CheckedKapula:
    """Passes every call through; after each step compares its answer with a fresh read."""

    def __init__(self, kapula) -> None:
        self._kapula = kapula
        self.steps = 0
        self.most_ready = 0  # the most tasks one view showed ready at once

    def __getattr__(self, name):
        return getattr(self._kapula, name)

    def _checked(self, view):
        assert view == self._kapula.get_case(view.id)
        self.steps += 1
        self.most_ready = max(self.most_ready, len(view.ready_tasks))
        return view

    def start_case(self, *args, **kwargs):
        return self._checked(self._kapula.start_case(*args, **kwargs))

    def complete_task(self, *args, **kwargs):
        return self._checked(self._kapula.complete_task(*args, **kwargs))

    def cancel_case(self, *args, **kwargs):
        return self._checked(self._kapula.cancel_case(*args, **kwargs))


def test_every_step_of_the_demo_returns_what_a_read_gives(kapula):
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    kapula._clock = clock  # the demo drives its own clock
    checked = CheckedKapula(kapula)
    report = run_demo(checked, clock, BPMN_DIR, progress=lambda _msg: None)
    assert checked.steps > 200 and len(report.cases) >= 40
    assert checked.most_ready > 1, "some steps left a case waiting in several lanes at once"


def test_claims_and_cancellation_show_in_the_views_steps_return(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    checked = CheckedKapula(kapula)
    case = checked.start_case("Handoff_demo")
    kapula.claim_task(case.ready_tasks[0].id, user="maija")
    assert kapula.get_case(case.id).ready_tasks[0].claimed_by == "maija"
    moved = checked.complete_task(case.ready_tasks[0].id, {})
    assert [(t.element_id, t.claimed_by) for t in moved.ready_tasks] == [("Task_prepare", None)]
    assert checked.cancel_case(case.id).ready_tasks == ()


def _claims_lookups(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT") and "event.lifecycle IN" in s and "event.task_id IN" in s]


def _task_case_lookups(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT case_task.case_id FROM case_task")]


def test_a_step_on_a_task_a_step_or_list_returned_needs_no_look_up_of_its_case(kapula):
    """The task -> case map is filled from every task a step or a task list returns (issue 14)."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    with statements(kapula) as seen:
        moved = kapula.complete_task(case.ready_tasks[0].id, {"need": "x"})
        kapula.complete_task(moved.ready_tasks[0].id, {"needs_funding": False})
    assert _task_case_lookups(seen) == []
    assert _claims_lookups(seen) == [], "the next user task, created ahead but readied by the step, has no claims"
    other = kapula.start_case("Handoff_demo")
    kapula._task_cases = type(kapula._task_cases)(capacity=10)  # forget: a restart
    [listed] = kapula.ready_tasks(case_id=other.id)
    with statements(kapula) as seen:
        kapula.complete_task(listed.id, {"need": "x"})
    assert _task_case_lookups(seen) == []
    task_id = kapula.get_case(other.id).ready_tasks[0].id
    kapula._task_cases = type(kapula._task_cases)(capacity=10)
    with statements(kapula) as seen:
        kapula.complete_task(task_id, {"needs_funding": False})
    assert len(_task_case_lookups(seen)) == 1, "a task id from elsewhere is still found"


def test_a_step_looks_up_claims_only_for_tasks_ready_before_it(kapula):
    """Tasks readied by the step itself cannot be claimed yet (SpiffWorkflow creates the next user
    task ahead of time, so 'created in this step' is not the test); a task ready before it can."""
    kapula.deploy([("rework_loop.bpmn", (FIXTURES / "loops" / "rework_loop.bpmn").read_bytes())])
    case = kapula.start_case("Rework_loop")
    ready = {t.element_id: t for t in case.ready_tasks}
    kapula.claim_task(ready["Task_b"].id, user="maija")
    with statements(kapula) as seen:
        after_a = kapula.complete_task(ready["Task_a"].id, {})
    assert after_a == kapula.get_case(case.id)
    assert [(t.element_id, t.claimed_by) for t in after_a.ready_tasks] == [("Task_b", "maija")]
    assert len(_claims_lookups(seen)) == 1
    after_b = kapula.complete_task(ready["Task_b"].id, {}, user="maija")
    assert [(t.element_id, t.claimed_by) for t in after_b.ready_tasks] == [("Task_review", None)]
    with statements(kapula) as seen:
        again = kapula.complete_task(after_b.ready_tasks[0].id, {"accepted": False})
    assert again == kapula.get_case(case.id)
    assert {t.element_id for t in again.ready_tasks} == {"Task_a", "Task_b"}
    assert _claims_lookups(seen) == [], "every task the step shows was readied by the step"
