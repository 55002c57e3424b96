"""Event subprocesses started by a signal or a message keep working after the case is reloaded from
the database: a fresh engine (no cached case, no cached version) restores the waiting start event,
and the event subprocess runs when the signal or message comes."""

from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from sqlalchemy import select

from engine.model import WaitingEvent
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseRecord, CaseTaskRecord
from engine.runtime.case_state import restore_live_case
from engine.runtime.script_engine import SafeScriptEngine
from engine.runtime.states import READY
from tests.conftest import FIXTURES

KINDS = ("signal", "message")


def _deployed(kapula, kind: str):
    path = FIXTURES / "event_subprocess" / f"{kind}_event_subprocess.bpmn"
    (version,) = kapula.deploy([(path.name, path.read_bytes())]).versions
    assert version.issues == ()
    return kapula.start_case(f"Alarm_{kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_the_event_subprocess_starts_after_a_reload(open_engine, kind):
    first = open_engine()
    case = _deployed(first, kind)
    assert [t.name for t in case.ready_tasks] == ["Do the work", "Raise the alarm"]
    first.close()

    second = open_engine()  # nothing cached: the case comes from its rows
    raise_it = next(t for t in second.ready_tasks(case_id=case.id) if t.name == "Raise the alarm")
    after = second.complete_task(raise_it.id, {})
    assert [(t.name, t.lane) for t in after.ready_tasks] == [("Do the work", "Office A"), ("Handle the alarm", "Office B")]
    second.close()

    third = open_engine()  # and the running event subprocess survives a reload too
    handle = next(t for t in third.ready_tasks(case_id=case.id) if t.name == "Handle the alarm")
    third.complete_task(handle.id, {})
    (work,) = third.ready_tasks(case_id=case.id)
    assert third.complete_task(work.id, {}).status.value == "completed"
    started = [e.element_id for e in third.history(case.id) if e.lifecycle.value == "task_completed"]
    assert started.count("Start_alarm") == 1 and "Task_handle" in started


@pytest.mark.parametrize("kind", KINDS)
def test_a_signal_or_message_from_outside_reaches_a_case_restored_from_its_rows(open_engine, kind):
    kapula = open_engine()
    case = _deployed(kapula, kind)
    kapula.close()
    fresh = open_engine()  # its version cache restores the spec from the database
    with fresh.sessions() as session:
        record = session.get(CaseRecord, case.id)
        rows = session.execute(
            select(CaseTaskRecord.task_id, CaseTaskRecord.workflow_id, CaseTaskRecord.ordinal, CaseTaskRecord.body)
            .where(CaseTaskRecord.case_id == case.id)
            .order_by(CaseTaskRecord.ordinal)
        ).all()
        version = fresh._versions.get(SqlUnitOfWork(session).versions, record.process_version_id)
        live = restore_live_case(version.bundle, record.header_json, [tuple(r) for r in rows], SafeScriptEngine())
    # the signal or message as the diagram defines it, sent from outside the case
    definition = version.bundle.subprocess_specs["Sub_alarm"].task_specs["Start_alarm"].event_definition
    assert type(definition).__name__ == ("SignalEventDefinition" if kind == "signal" else "MessageEventDefinition")
    live.workflow.send_event(BpmnEvent(definition, {}))
    live.workflow.do_engine_steps()
    assert {t.task_spec.bpmn_name for t in live.workflow.get_tasks(state=READY, manual=True)} == {
        "Do the work",
        "Raise the alarm",
        "Handle the alarm",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_an_event_subprocess_that_ran_in_one_case_does_not_start_in_the_next(kapula, kind):
    # SpiffWorkflow wired the event subprocess into the shared spec when the first event came, and
    # from then on every new case started it at once and waited for it before it could end
    first = _deployed(kapula, kind)
    raise_it = next(t for t in first.ready_tasks if t.name == "Raise the alarm")
    assert "Handle the alarm" in [t.name for t in kapula.complete_task(raise_it.id, {}).ready_tasks]
    second = kapula.start_case(f"Alarm_{kind}")
    assert "Sub_alarm" not in {e.element_id for e in kapula.history(second.id)}
    assert [t.name for t in second.ready_tasks] == ["Do the work", "Raise the alarm"]


def test_a_case_names_the_signal_that_starts_its_event_subprocess(open_engine):
    first = open_engine()
    case = _deployed(first, "signal")
    expected = (WaitingEvent("Start_alarm", "alarm", "signal", message="alarm"),)
    assert case.waiting_for == expected
    first.close()
    second = open_engine()
    assert second.get_case(case.id).waiting_for == expected  # as stored
    raise_it = next(t for t in second.ready_tasks(case_id=case.id) if t.name == "Raise the alarm")
    assert second.complete_task(raise_it.id, {}).waiting_for == expected  # non-interrupting: it can come again
    for _ in range(2):
        task = second.ready_tasks(case_id=case.id)[0]
        after = second.complete_task(task.id, {})
    assert after.status.value == "completed" and after.waiting_for == ()
