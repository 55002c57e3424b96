"""A small event log of the three-lane model built through the real engine under a FakeClock.

Case 1 (founder)  describe 1 h · prepare 2 h (never claimed) · aftercare 3 h · feedback 1 h: lead time 7 h
Case 2 (growth)   describe 1 h · prepare claimed after 1 h, completed 3 h later · funding 2 h ·
                  timer 50 h · aftercare 1 h · feedback 1 h: lead time 59 h
Case 3 (founder)  describe 1 h, then waits in prepare (SEK) from 2026-01-08 03:00
Case 4 (-)        cancelled after 1 h in describe
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.clock import FakeClock
from engine.services import Kapula
from tests.conftest import read

KEY = "Handoff_demo"
NOW = datetime(2026, 1, 8, 8, 0, tzinfo=UTC)


def _do(
    kapula: Kapula, clock: FakeClock, case_id: int, hours: float, data: dict | None = None, *, claim_after: float | None = None
):
    (task,) = kapula.get_case(case_id).ready_tasks
    if claim_after is not None:
        clock.advance(hours=claim_after)
        kapula.claim_task(task.id, user=f"{task.lane}.advisor")
    clock.advance(hours=hours)
    return kapula.complete_task(task.id, data or {}, user=f"{task.lane}.advisor")


def build_log(kapula: Kapula, clock: FakeClock) -> list[int]:
    """The four cases above; the clock ends at NOW. Returns the case ids."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    one = kapula.start_case(KEY, {"segment": "founder"}).id
    _do(kapula, clock, one, 1, {"new_customer": True, "needs_funding": False})
    _do(kapula, clock, one, 2)
    _do(kapula, clock, one, 3)
    _do(kapula, clock, one, 1, {"satisfaction": 3})
    two = kapula.start_case(KEY, {"segment": "growth"}).id
    _do(kapula, clock, two, 1, {"new_customer": False, "needs_funding": True})
    _do(kapula, clock, two, 3, claim_after=1)
    _do(kapula, clock, two, 2)
    clock.advance(hours=50)
    assert kapula.fire_due_timers() == 1
    _do(kapula, clock, two, 1)
    _do(kapula, clock, two, 1, {"satisfaction": 4})
    three = kapula.start_case(KEY, {"segment": "founder"}).id
    _do(kapula, clock, three, 1, {"needs_funding": False})
    four = kapula.start_case(KEY, {}).id
    clock.advance(hours=1)
    kapula.cancel_case(four)
    clock.set(NOW)
    return [one, two, three, four]
