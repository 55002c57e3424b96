"""The stepping API (engine.runtime.stepping) on live cases in memory: every step answers in
Kapula's types, under the injected clock, and a diagram's failure is a CaseStepError naming the
element. No database: the services' tests run the same steps through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.clock import FakeClock
from engine.definitions import DeployedVersion, ElementInfo
from engine.errors import CaseStepError, ConflictError
from engine.runtime import stepping
from engine.runtime.case_state import LiveCase, begin_step, collect_changes, new_live_case, spec_from_json, spec_to_json
from engine.runtime.parser import load_files, serializer_for
from engine.runtime.script_engine import SafeScriptEngine
from tests.conftest import FIXTURES

BPMN = FIXTURES / "bpmn"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _version(path: Path) -> DeployedVersion:
    process = load_files([(path.name, path.read_bytes())])[0]
    serializer = serializer_for(process.dialect)
    bundle = spec_from_json(process.dialect, serializer, spec_to_json(serializer, process.spec, process.subprocess_specs))
    elements = {
        element_id: ElementInfo(info.name, info.type, process.element_actor.get(element_id), info.form)
        for element_id, info in process.elements.items()
    }
    return DeployedVersion(
        id=1, key=process.key, version=1, name=process.name, actors=process.actors, elements=elements, spec_bundle=bundle
    )


def _saved(live: LiveCase) -> None:
    """Number the step's new tasks, as the case store's save does."""
    collect_changes(live, 0.0)


def _started(name: str | Path, clock: FakeClock, data: dict[str, object] | None = None) -> tuple[DeployedVersion, LiveCase]:
    version = _version(BPMN / name if isinstance(name, str) else name)
    live = new_live_case(version.bundle, SafeScriptEngine())
    begin_step()
    result = stepping.start(live, data or {}, clock=clock)
    assert result == stepping.StepResult(completed=False, changed=data or {})
    _saved(live)
    return version, live


def test_start_and_complete_answer_in_kapulas_types():
    clock = FakeClock(START)
    version, live = _started("timer_boundary.bpmn", clock, {"applicant": "Oy Esimerkki"})
    [task] = stepping.ready_tasks(live, version)
    assert (task.element_id, task.name, task.lane, task.scope, task.item) == (
        "Task_decide",
        "Tee rahoituspäätös",
        "ELY",
        "Boundary_demo",
        None,
    )
    [timer] = stepping.waiting_events(live, version)
    assert (timer.kind, timer.element_id, timer.name, timer.due) == (
        "timer",
        "Timer_deadline",
        "5 päivää kulunut",
        START + timedelta(days=5),
    )

    found = stepping.ready_user_task(live, task.id, version, case_id=7)
    assert found == task
    result = stepping.complete(live, found, {"decision": "yes"}, clock=clock, case_id=7)
    assert result == stepping.StepResult(completed=True, changed={"decision": "yes"}, acted=task.id)
    assert stepping.is_completed(live)
    assert stepping.case_data(live) == {"applicant": "Oy Esimerkki", "decision": "yes"}
    with pytest.raises(ConflictError) as refused:
        stepping.ready_user_task(live, task.id, version, case_id=7)
    assert refused.value.case_id == 7 and "not ready" in refused.value.message


def test_timers_fire_by_the_injected_clock_only():
    clock = FakeClock(START)
    version, live = _started("timer_boundary.bpmn", clock)
    clock.advance(timedelta(days=4))
    assert stepping.fire_timers(live, clock=clock, case_id=1) == stepping.StepResult(completed=False)
    assert [t.element_id for t in stepping.ready_tasks(live, version)] == ["Task_decide"]

    clock.advance(timedelta(days=2))
    stepping.fire_timers(live, {"late": True}, clock=clock, case_id=1)
    _saved(live)
    [task] = stepping.ready_tasks(live, version)
    assert (task.element_id, task.lane) == ("Task_escalate", "SEK")
    assert stepping.waiting_events(live, version) == ()


def test_a_message_is_delivered_only_to_a_case_waiting_for_it():
    clock = FakeClock(START)
    version, live = _started("receive_payment.bpmn", clock)
    assert not stepping.waits_for_message(live, "payment")
    assert stepping.deliver_message(live, "payment", {"amount": 5}, clock=clock, case_id=1).caught == 0

    [invoice] = stepping.ready_tasks(live, version)
    stepping.complete(live, invoice, {}, clock=clock, case_id=1)
    _saved(live)
    assert stepping.waits_for_message(live, "payment")
    result = stepping.deliver_message(live, "payment", {"amount": 5}, clock=clock, case_id=1)
    assert result == stepping.StepResult(completed=False, changed={"amount": 5}, caught=1)
    _saved(live)
    assert [(t.element_id, t.lane) for t in stepping.ready_tasks(live, version)] == [("Task_book", "Accounts")]
    assert stepping.take_thrown(live) == []


def test_cancel_ends_the_case():
    clock = FakeClock(START)
    version, live = _started("timer_boundary.bpmn", clock)
    assert stepping.cancel(live) == stepping.StepResult(completed=True)
    assert stepping.is_completed(live)
    assert stepping.ready_tasks(live, version) == []


def test_a_failing_diagram_is_a_case_step_error_naming_the_element():
    clock = FakeClock(START)
    version, live = _started(FIXTURES / "incidents" / "rt_timerpoison.bpmn", clock, {"summa": 0})
    clock.advance(timedelta(seconds=2))
    with pytest.raises(CaseStepError) as failed:
        stepping.fire_timers(live, clock=clock, case_id=3)
    error = failed.value
    assert type(error) is CaseStepError  # the CLI's --json names the error by its class
    assert (error.case_id, error.element_id, error.element_name) == (3, "sc", "Laske osuus")
    assert error.message.startswith("the case's diagram failed in 'Laske osuus' (sc): ")
    assert "division by zero" in error.detail and error.detail in error.message
    assert stepping.failed_element(error) == ("sc", "Laske osuus")
    assert stepping.failed_element(error.__cause__) == ("sc", "Laske osuus")  # SpiffWorkflow's own error
    assert stepping.failed_element(ValueError("not a step's")) is None
