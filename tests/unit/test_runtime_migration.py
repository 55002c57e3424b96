"""Moving live workflows from version A's spec to version B's (engine.runtime.migration), without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.clock import FakeClock
from engine.runtime.case_state import SpecBundle, begin_step, collect_changes, new_live_case, restore_live_case
from engine.runtime.migration import case_blockers, migrate_live_case, plan_migration
from engine.runtime.parser import load_files, serializer_for
from engine.runtime.script_engine import SafeScriptEngine
from engine.runtime.timers import clock_context
from tests.migration_models import version_b

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "bpmn" / "suupohja_yrityskaynti.bpmn"
KEY = "suupohja_yrityskaynti"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def bundle(text: str) -> SpecBundle:
    [loaded] = load_files([("suupohja_yrityskaynti.bpmn", text.encode())])
    return SpecBundle(loaded.dialect, loaded.spec, loaded.subprocess_specs, serializer_for(loaded.dialect))


def started(a: SpecBundle, clock: FakeClock):
    live = new_live_case(a, SafeScriptEngine())
    with clock_context(clock):
        live.workflow.get_next_task(state=TaskState.READY, spec_name="Start").data.update({"yritys": "Oy Esimerkki Ab"})
        live.workflow.run_engine()
    collect_changes(live, begin_step())
    return live


def complete(live, element_id: str, clock: FakeClock) -> None:
    task = next(t for t in live.workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element_id)
    with clock_context(clock):
        task.run()
        live.workflow.run_engine()


def ready_ids(live) -> list[str]:
    return [t.task_spec.bpmn_id for t in live.workflow.get_tasks(state=TaskState.READY, manual=True)]


def roundtrip(live, b: SpecBundle):
    """Save every task row as the store would and restore the case on B: what a reload sees."""
    from engine.runtime.case_state import _header, all_tasks, task_row  # the store's own row format

    registry = b.serializer.registry
    import json

    rows = [(str(t.id), wf, i, task_row(wf, t, i, registry, True).body) for i, (wf, t) in enumerate(all_tasks(live.workflow))]
    return restore_live_case(b, json.dumps(_header(live.workflow, registry)), rows, SafeScriptEngine())


def test_plan_aligns_by_id_and_reports_impossible_mappings() -> None:
    a, b = bundle(MODEL.read_text()), bundle(version_b(MODEL.read_text()))
    plan = plan_migration(a, b)
    assert plan.alignment["Task_sovi"] == "Task_sovi"
    assert plan.problems == ()
    bad = plan_migration(a, b, {"Task_sovi": "Timer_seuranta", "Task_nope": "Task_sovi", "Task_kartoita": "Task_nope"})
    assert len(bad.problems) == 3
    assert any("different kinds" in p for p in bad.problems)
    assert any("'Task_nope' is not an element of the version the cases are on" in p for p in bad.problems)


def test_a_ready_task_keeps_its_id_and_the_case_goes_through_the_new_stage() -> None:
    clock = FakeClock(NOW)
    a, b = bundle(MODEL.read_text()), bundle(version_b(MODEL.read_text()))
    live = started(a, clock)
    complete(live, "Task_valmistele", clock)
    [ready] = live.workflow.get_tasks(state=TaskState.READY, manual=True)
    plan = plan_migration(a, b)
    assert case_blockers(live, b, plan) == []
    removed = migrate_live_case(live, b, plan, now=clock.now())
    assert removed  # the old predicted future was rebuilt
    [after] = live.workflow.get_tasks(state=TaskState.READY, manual=True)
    assert after.id == ready.id and after.task_spec is b.spec.task_specs["Task_kartoita"]
    live = roundtrip(live, b)
    for element in ("Task_kartoita", "Task_esittele", "Task_sovi"):
        complete(live, element, clock)
    assert ready_ids(live) == ["Task_kirjaa"]


def test_a_case_at_an_element_b_lacks_cannot_move_unless_mapped() -> None:
    clock = FakeClock(NOW)
    b_text = (
        version_b(MODEL.read_text())
        .replace('id="Task_kartoita"', 'id="Task_kartoita2"')
        .replace('"Task_kartoita"', '"Task_kartoita2"')
        .replace(">Task_kartoita<", ">Task_kartoita2<")
    )
    b_text = (
        b_text.replace('targetRef="Task_kartoita"', 'targetRef="Task_kartoita2"')
        .replace('sourceRef="Task_kartoita"', 'sourceRef="Task_kartoita2"')
        .replace('bpmnElement="Task_kartoita"', 'bpmnElement="Task_kartoita2"')
    )
    a, b = bundle(MODEL.read_text()), bundle(b_text)
    live = started(a, clock)
    complete(live, "Task_valmistele", clock)
    unmapped = plan_migration(a, b)
    assert unmapped.suggested == {"Task_kartoita": "Task_kartoita2"}
    reasons = case_blockers(live, b, unmapped)
    assert len(reasons) == 1 and "Task_kartoita" in reasons[0] and "does not have" in reasons[0]
    plan = plan_migration(a, b, {"Task_kartoita": "Task_kartoita2"})
    assert case_blockers(live, b, plan) == []
    migrate_live_case(live, b, plan, now=clock.now())
    assert ready_ids(live) == ["Task_kartoita2"]


@pytest.mark.parametrize("new_timer", ["P7D", "BARE"])
def test_a_waiting_timer_is_rescheduled_from_its_start_by_the_new_duration(new_timer: str) -> None:
    clock = FakeClock(NOW)
    b_text = version_b(MODEL.read_text(), timer="P7D")
    if new_timer == "BARE":  # a bare ISO literal, as Camunda writes it (docs/bpmn-support.md)
        b_text = b_text.replace('>"P7D"<', ">P7D<")
        assert ">P7D<" in b_text
    a, b = bundle(MODEL.read_text()), bundle(b_text)
    live = started(a, clock)
    for element in ("Task_valmistele", "Task_kartoita", "Task_esittele", "Task_sovi"):
        complete(live, element, clock)
    [timer] = [t for t in live.workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "Timer_seuranta"]
    assert datetime.fromisoformat(timer.internal_data["event_value"]) == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    clock.advance(days=2)
    migrate_live_case(live, b, plan_migration(a, b), now=clock.now())
    assert datetime.fromisoformat(timer.internal_data["event_value"]) == datetime(2026, 3, 9, 8, 0, tzinfo=UTC)


def test_a_case_among_parallel_leads_moves_and_finishes_on_b_without_the_new_upstream_stage() -> None:
    clock = FakeClock(NOW)
    a, b = bundle(MODEL.read_text()), bundle(version_b(MODEL.read_text()))
    live = started(a, clock)
    for element in ("Task_valmistele", "Task_kartoita", "Task_esittele", "Task_sovi"):
        complete(live, element, clock)
    clock.advance(days=15)
    with clock_context(clock):
        live.workflow.refresh_waiting_tasks()
        live.workflow.run_engine()
    task = next(t for t in live.workflow.get_tasks(state=TaskState.READY, manual=True))
    task.data["organisaatiot"] = ["ELY", "TE-toimisto"]
    complete(live, "Task_jalkihoito", clock)
    complete(live, "Task_liidi_ely", clock)
    assert ready_ids(live) == ["Task_liidi_te"]
    plan = plan_migration(a, b)
    assert case_blockers(live, b, plan) == []
    migrate_live_case(live, b, plan, now=clock.now())
    live = roundtrip(live, b)
    complete(live, "Task_liidi_te", clock)
    assert live.workflow.completed
    visited = {t.task_spec.bpmn_id for t in live.workflow.tasks.values() if t.has_state(TaskState.COMPLETED)}
    assert "Task_kirjaa" not in visited and "End_palvelut" in visited
