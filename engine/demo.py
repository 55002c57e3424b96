"""The newcomer's demo: deploy the models in bpmn/ and run demo cases on a simulated clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from engine.clock import FakeClock
from engine.model import CaseView, ProcessVersion
from engine.services import Kapula

MODEL_SUFFIXES = (".bpmn", ".dmn")


@dataclass
class DemoReport:
    deployed: list[ProcessVersion] = field(default_factory=list)
    cases: list[CaseView] = field(default_factory=list)


def model_files(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.suffix in MODEL_SUFFIXES]


def run_demo(kapula: Kapula, clock: FakeClock, folder: Path, *, progress: Callable[[str], None] = print) -> DemoReport:
    """Deploy every model in `folder` and run the cases of its demo_cases.json.

    Each task takes a couple of simulated hours and due timers fire as the clock passes them, so
    the event log shows realistic stage durations and handoffs.
    """
    report = DemoReport()
    files = model_files(folder)
    progress(f"deploying {len(files)} model file(s) from {folder}")
    report.deployed = list(kapula.deploy(files).versions)
    plans = json.loads((folder / "demo_cases.json").read_text(encoding="utf-8"))
    for key, cases in plans.items():
        if key.startswith("_"):
            continue
        if kapula.cases(process_key=key):
            progress(f"  {key}: has cases already; no demo cases added")
            continue
        for number, plan in enumerate(cases, start=1):
            progress(f"  {key}: demo case {number}/{len(cases)}")
            report.cases.append(_run_case(kapula, clock, key, plan))
    return report


def _run_case(kapula: Kapula, clock: FakeClock, key: str, plan: dict[str, Any]) -> CaseView:
    case = kapula.start_case(key, plan.get("start", {}), user="demo")
    steps = 0
    while case.status.value == "running" and steps < plan.get("stop_after", 100):
        if case.ready_tasks:
            task = case.ready_tasks[0]
            clock.advance(hours=2)
            case = kapula.complete_task(task.id, plan.get("tasks", {}).get(task.element_id, {}), user=f"demo.{task.lane or 'user'}")
            steps += 1
        elif case.next_timer_due is not None:
            clock.set(max(clock.now(), case.next_timer_due) + timedelta(minutes=1))
            kapula.fire_due_timers()
            case = kapula.get_case(case.id)
        else:
            break
    clock.advance(hours=1)
    return case


def demo_clock(days_back: int = 30) -> FakeClock:
    """A clock that starts some weeks ago, so the demo's history ends around today."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_back)
    return FakeClock(start)
