"""The load test's check at the end: each case's records agree and say what the simulated people did."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from engine import history
from engine.bootstrap import open_kapula
from engine.consistency import check_cases
from engine.model import CaseStatus, Event, Lifecycle
from engine.persistence.sql import SqlUnitOfWork
from engine.services import Kapula

# the handoffs of each journey through the three-lane model
PLAIN_HANDOFFS = [("Asiakas", "SEK"), ("SEK", "Asiakas")]
FUNDING_HANDOFFS = [("Asiakas", "SEK"), ("SEK", "ELY")]
FIRED_HANDOFFS = [("Asiakas", "SEK"), ("SEK", "ELY"), ("ELY", "SEK")]


@dataclass
class Journey:
    """What the simulated people did to one case, as their successful requests say."""

    index: int
    funding: bool
    case_id: int = 0
    completed: list[tuple[str, str]] = field(default_factory=list)  # (element id, user) per 200
    claimed: list[tuple[str, str]] = field(default_factory=list)
    losing_racers: int = 0


def verify(
    database_url: str, journeys: list[Journey], timer_cases: list[int], calls: list[tuple[str, int, float]], *, wait_until: float
) -> list[str]:
    """Every way the database disagrees with the journeys, the timers or itself; empty when all is well."""
    kapula = open_kapula(database_url, migrate=False)
    try:
        problems = _wait_for_timers(kapula, timer_cases, wait_until)
        with kapula.sessions() as session:
            problems += [f"case {p.case_id}: {p.problem}" for p in check_cases(SqlUnitOfWork(session))]
        for j in journeys:
            problems += [f"case {j.case_id}: {p}" for p in _check_journey(kapula, j)]
        for case_id in timer_cases:
            problems += [f"timer case {case_id}: {p}" for p in _check_fired(kapula.history(case_id))]
    finally:
        kapula.close()
    statuses = sorted({status for _, status, _ in calls if status not in (200, 201, 409)})
    if statuses:
        problems.append(f"answers other than 200, 201 and 409: {statuses}")
    conflicts = sum(1 for _, status, _ in calls if status == 409)
    losing = sum(j.losing_racers for j in journeys)
    if conflicts != losing:
        problems.append(f"{conflicts} answers were 409 but {losing} racers lost")
    return problems


def _wait_for_timers(kapula: Kapula, case_ids: list[int], wait_until: float) -> list[str]:
    """The servers' timer loops fire these in real time: poll, within the run's time limit."""
    waiting = set(case_ids)
    while waiting:
        waiting = {c for c in waiting if kapula.get_case(c).next_timer_due is not None}
        if waiting and time.monotonic() > wait_until:
            return [f"timers of cases {sorted(waiting)} were not fired in time"]
        if waiting:
            time.sleep(0.2)
    return []


def _done(events: list[Event], lifecycle: Lifecycle) -> list[tuple[str, str]]:
    return [(e.element_id or "", e.user or "") for e in events if e.lifecycle is lifecycle and e.element_type == "userTask"]


def _check_journey(kapula: Kapula, j: Journey) -> list[str]:
    events = kapula.history(j.case_id)
    case = kapula.get_case(j.case_id)
    problems = []
    if _done(events, Lifecycle.TASK_COMPLETED) != j.completed:
        problems.append(f"completions logged {_done(events, Lifecycle.TASK_COMPLETED)}, answered 200 {j.completed}")
    if _done(events, Lifecycle.TASK_CLAIMED) != j.claimed:
        problems.append(f"claims logged {_done(events, Lifecycle.TASK_CLAIMED)}, answered 200 {j.claimed}")
    expected = CaseStatus.RUNNING if j.funding else CaseStatus.COMPLETED
    if case.status is not expected or (j.funding and (case.ready_tasks or case.next_timer_due is None)):
        problems.append(
            f"ends {case.status.value} waiting for {[t.element_id for t in case.ready_tasks]}, expected {expected.value}"
        )
    handoffs = [(h.from_lane, h.to_lane) for h in history.handoffs(events)]
    if handoffs != (FUNDING_HANDOFFS if j.funding else PLAIN_HANDOFFS):
        problems.append(f"handoffs {handoffs}")
    return problems


def _check_fired(events: list[Event]) -> list[str]:
    fired = [e for e in events if e.element_id == "Timer_wait" and e.lifecycle is Lifecycle.TASK_COMPLETED]
    ready = [e.element_id for e in events if e.lifecycle is Lifecycle.TASK_READY and e.element_type == "userTask"]
    handoffs = [(h.from_lane, h.to_lane) for h in history.handoffs(events)]
    problems = [] if len(fired) == 1 else [f"its timer fired {len(fired)} times"]
    if ready[-1:] != ["Task_aftercare"] or handoffs != FIRED_HANDOFFS:
        problems.append(f"after the timer: ready {ready}, handoffs {handoffs}")
    return problems
