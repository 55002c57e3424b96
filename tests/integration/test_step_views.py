"""What a step returns is exactly what reading the case back gives: the view is built from the live
workflow inside the step's transaction, so it must never drift from the stored state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from engine.clock import FakeClock
from engine.demo import run_demo
from tests.conftest import read

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
