"""The newcomer's demo: deploy the models in bpmn/ and run demo cases on a simulated clock.

The cases of `demo_cases.json` run interleaved on one timeline that starts months ago and ends
today: each case starts on its `day`, each task takes some days (its `days`, or a repeatable
pseudo-random 0.5–4): about a third waiting in the lane's inbox, then an advisor claims it and works
on it, so the metrics show waiting and working apart; timers fire when the clock passes them. Whatever would happen after today
is left undone, so recent cases wait in different stages while older ones are completed.
"""

from __future__ import annotations

import heapq
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.bundles import folder_bundles
from engine.clock import FakeClock
from engine.model import CaseStatus, CaseView, ProcessVersion
from engine.services import Kapula

DEMO_DAYS = 240  # the demo's timeline: about eight months up to today
WAITING_SHARE = 0.35  # of a task's time, the part it waits in an inbox before an advisor claims it


@dataclass
class DemoReport:
    deployed: list[ProcessVersion] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)


@dataclass
class _Plan:
    number: int
    key: str
    plan: dict[str, Any]
    case_id: int | None = None
    done: int = 0
    visits: dict[str, int] = field(default_factory=dict)

    def answer(self, element_id: str) -> dict[str, Any]:
        answer = self.plan.get("tasks", {}).get(element_id, {})
        if isinstance(answer, list):  # one answer per visit of a task in a loop; the last repeats
            seen = self.visits.get(element_id, 0)
            self.visits[element_id] = seen + 1
            return dict(answer[min(seen, len(answer) - 1)])
        return dict(answer)

    def days(self, element_id: str) -> float:
        fixed = self.plan.get("days", {}).get(element_id)
        return float(fixed) if fixed is not None else random.Random(f"{self.number}:{element_id}").uniform(0.5, 4)


def run_demo(
    kapula: Kapula, clock: FakeClock, folder: Path, *, progress: Callable[[str], None] = print, days: int = DEMO_DAYS
) -> DemoReport:
    """Deploy every model in `folder` (each with its card, tables and forms) and run the cases of its
    demo_cases.json on `clock` from now to `days` later. A process that has cases already gets none."""
    report = DemoReport()
    bundles = folder_bundles(folder)
    progress(f"deploying {len(bundles)} model(s) from {folder}")
    for bundle in bundles:
        report.deployed += kapula.deploy(bundle).versions
    plans = json.loads((folder / "demo_cases.json").read_text(encoding="utf-8"))
    todo: list[_Plan] = []
    for key, cases in plans.items():
        if key.startswith("_"):
            continue
        if kapula.cases(process_key=key):
            progress(f"  {key}: has cases already; no demo cases added")
            continue
        progress(f"  {key}: {len(cases)} demo case(s)")
        todo += [_Plan(len(todo) + i, key, plan) for i, plan in enumerate(cases)]
    _simulate(kapula, clock, todo, until=clock.now() + timedelta(days=days))
    report.cases = [kapula.get_case(p.case_id) for p in sorted(todo, key=lambda p: p.case_id or 0) if p.case_id]
    return report


def _simulate(kapula: Kapula, clock: FakeClock, todo: list[_Plan], *, until: datetime) -> None:
    start = clock.now()
    agenda = [(start + timedelta(days=p.plan.get("day", 0)), p.number, "start") for p in todo]
    heapq.heapify(agenda)
    by_number = {p.number: p for p in todo}
    while agenda:
        at, number, action = heapq.heappop(agenda)
        if at > until:
            continue  # after today: left undone
        clock.set(max(clock.now(), at))
        kapula.fire_due_timers()
        plan = by_number[number]
        case = _act(kapula, plan, action)
        following = _next(plan, case, clock.now())
        if following is not None:
            heapq.heappush(agenda, (following[0], number, following[1]))
    clock.set(max(clock.now(), until))
    kapula.fire_due_timers()


def _act(kapula: Kapula, plan: _Plan, action: str) -> CaseView:
    if plan.case_id is None:
        case = kapula.start_case(plan.key, plan.plan.get("start", {}), user="demo")
        plan.case_id = case.id
        return case
    case = kapula.get_case(plan.case_id)
    if action in ("claim", "complete") and case.status == CaseStatus.RUNNING and case.ready_tasks:
        task = case.ready_tasks[0]
        user = f"demo.{task.lane or 'user'}"
        if action == "claim":  # an advisor takes the task before working on it, as the pages ask
            kapula.claim_task(task.id, user=user)
            return kapula.get_case(plan.case_id)
        case = kapula.complete_task(task.id, plan.answer(task.element_id), user=user)
        plan.done += 1
    return case


def _next(plan: _Plan, case: CaseView, now: datetime) -> tuple[datetime, str] | None:
    if case.status != CaseStatus.RUNNING or plan.done >= plan.plan.get("stop_after", 1000):
        return None
    if case.ready_tasks:
        task = case.ready_tasks[0]
        minutes = plan.days(task.element_id) * 24 * 60
        if task.claimed_by is None:  # it waits in the inbox for about a third of its time, then is worked on
            return now + timedelta(minutes=round(minutes * WAITING_SHARE)), "claim"
        return now + timedelta(minutes=round(minutes * (1 - WAITING_SHARE))), "complete"
    if case.next_timer_due is not None:
        return case.next_timer_due + timedelta(minutes=1), "timer"
    return None


def demo_clock(days_back: int = DEMO_DAYS) -> FakeClock:
    """A clock that starts months ago, so the demo's history ends around today."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_back)
    return FakeClock(start)
