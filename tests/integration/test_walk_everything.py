"""No traceback, ever (issue 10): every diagram under bpmn/ and tests/fixtures/ goes through load,
start, the completion of every ready task and the firing of its timers with generated data; each
outcome is a success or a Kapula error, never any other exception."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DiagramError, KapulaError
from engine.model import CaseStatus
from tests.walk import DIAGRAMS, MAX_STEPS, bundle_of, case_data, label, names_in

T = TypeVar("T")
WALKS = settings(max_examples=3, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


def outcome(action: Callable[[], T]) -> T | None:
    """The action's result, or None when it ended in a Kapula error; anything else fails the test."""
    try:
        return action()
    except KapulaError:
        return None


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=label)
def test_every_diagram_loads_and_its_cases_walk_or_say_why(kapula, clock, diagram: Path):
    deployed = outcome(lambda: kapula.deploy(bundle_of(diagram)))
    if deployed is None:
        return
    for version in deployed.versions:
        if not version.runnable:
            with pytest.raises(DiagramError, match="documentation only"):
                kapula.start_case(version.key)
    keys = [v.key for v in deployed.versions if v.runnable]
    names = names_in(diagram)

    @WALKS
    @given(data=st.data())
    def walk(data: st.DataObject) -> None:
        for key in keys:
            case = outcome(lambda key=key: kapula.start_case(key, data.draw(case_data(names))))
            for _ in range(MAX_STEPS if case is not None else 0):
                tasks = kapula.ready_tasks(case_id=case.id)
                if not tasks:
                    clock.advance(timedelta(days=8))
                    outcome(kapula.fire_due_timers)
                    tasks = kapula.ready_tasks(case_id=case.id)
                if not tasks:
                    break
                outcome(lambda task_id=tasks[0].id: kapula.complete_task(task_id, data.draw(case_data(names))))
            if case is not None:
                assert kapula.get_case(case.id).status in set(CaseStatus)
                kapula.history(case.id)

    walk()
