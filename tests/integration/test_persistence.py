"""Cases survive restarts, stale writes are refused, and a step writes only what it changed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.errors import ConflictError, NotFoundError
from engine.model import CaseStatus, Lifecycle
from engine.persistence.tables import CaseTaskRecord, EventRecord
from engine.runtime.case_state import full_state, restore_live_case
from tests.conftest import read


def _task(kapula, case_id):
    (task,) = kapula.ready_tasks(case_id=case_id)
    return task


def _assert_rows_restore_the_live_case(kapula, case_id):
    """Rebuild the case from its stored rows alone and compare with the live (cached) workflow."""
    with kapula._sessions() as session:
        ctx = kapula._store.load(session, case_id)  # takes the cached live case
        rows = session.execute(
            select(CaseTaskRecord.task_id, CaseTaskRecord.workflow_id, CaseTaskRecord.ordinal, CaseTaskRecord.body)
            .where(CaseTaskRecord.case_id == case_id)
            .order_by(CaseTaskRecord.ordinal)
        ).all()
    restored = restore_live_case(ctx.deployed.bundle, ctx.case.header_json, [tuple(r) for r in rows], None)
    registry = ctx.deployed.bundle.serializer.registry
    assert full_state(restored.workflow, registry) == full_state(ctx.live.workflow, registry)
    return ctx


def test_a_fresh_engine_on_the_same_database_finishes_the_case_with_nothing_lost_or_duplicated(open_engine, clock):
    first = open_engine()
    first.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = first.start_case("Handoff_demo", {"customer": "Oy A"})
    first.complete_task(_task(first, case.id).id, {"need": "rahoitus"}, user="asiakas")
    events_before = first.history(case.id)
    first.close()  # the process dies here

    second = open_engine()
    assert second.get_case(case.id).status is CaseStatus.RUNNING
    assert second.history(case.id) == events_before
    second.complete_task(_task(second, case.id).id, {"needs_funding": False}, user="sek")
    second.complete_task(_task(second, case.id).id, {}, user="sek")
    done = second.complete_task(_task(second, case.id).id, {"satisfaction": 3}, user="asiakas")

    assert done.status is CaseStatus.COMPLETED
    assert done.data["customer"] == "Oy A" and done.data["need"] == "rahoitus"
    events = second.history(case.id)
    assert events[: len(events_before)] == events_before
    completed = [e.element_id for e in events if e.lifecycle is Lifecycle.TASK_COMPLETED and e.element_type == "userTask"]
    assert completed == ["Task_describe", "Task_prepare", "Task_aftercare", "Task_feedback"]
    assert [e.lifecycle for e in events].count(Lifecycle.CASE_COMPLETED) == 1


def test_the_stored_rows_restore_exactly_the_workflow_kept_in_memory(kapula):
    """After every step the task rows alone rebuild the same SpiffWorkflow state."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"n": 1})
    store = kapula._store
    for data in ({"need": "x"}, {"needs_funding": False}, {"note": "ok"}):
        kapula.complete_task(_task(kapula, case.id).id, data)
        ctx = _assert_rows_restore_the_live_case(kapula, case.id)
        store.cache.put(case.id, ctx.read_version, ctx.live)


def test_completing_a_task_twice_gives_one_success_and_one_conflict(open_engine):
    a, b = open_engine(), open_engine()  # two server processes
    a.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = a.start_case("Handoff_demo")
    task = _task(a, case.id)
    b.get_case(case.id)

    a.complete_task(task.id, {"need": "a"})
    with pytest.raises(ConflictError, match="not ready"):
        b.complete_task(task.id, {"need": "b"})
    completions = [e for e in a.history(case.id) if e.element_id == "Task_describe" and e.lifecycle is Lifecycle.TASK_COMPLETED]
    assert len(completions) == 1 and completions[0].changed == {"need": "a"}


def test_a_step_computed_on_a_stale_read_is_refused_and_changes_nothing(open_engine):
    a, b = open_engine(), open_engine()
    a.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = a.start_case("Handoff_demo")
    task = _task(a, case.id)

    # b reads the case, then a completes the task before b writes
    with b._sessions() as session:
        stale = b._store.load(session, case.id)
    a.complete_task(task.id, {"need": "a"})
    events_before = a.history(case.id)

    stale.live.workflow.get_task_from_id(stale.live.workflow.get_tasks(state=16, manual=True)[0].id).run()
    with pytest.raises(ConflictError, match="changed by someone else"):
        with b._sessions.begin() as session:
            b._store.save(session, stale, now=b.clock.now(), user="b")
    assert a.history(case.id) == events_before
    assert [t.element_id for t in a.ready_tasks(case_id=case.id)] == ["Task_prepare"]


def test_concurrent_completions_from_two_threads(open_engine):
    engines = [open_engine(), open_engine()]
    engines[0].deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = engines[0].start_case("Handoff_demo")
    task = _task(engines[0], case.id)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(kapula, who):
        barrier.wait()
        try:
            kapula.complete_task(task.id, {"need": who})
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(k, str(i))) for i, k in enumerate(engines)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    completed = [
        e for e in engines[0].history(case.id) if e.lifecycle is Lifecycle.TASK_COMPLETED and e.element_id == "Task_describe"
    ]
    assert len(completed) == 1


def test_a_loop_step_writes_only_the_tasks_it_touched(kapula):
    kapula.deploy([read("loop.bpmn")])
    case = kapula.start_case("Loop_demo")

    def rows_written_by_one_step():
        with kapula._sessions() as session:
            before = session.scalar(select(func.count()).select_from(CaseTaskRecord).where(CaseTaskRecord.case_id == case.id))
        kapula.complete_task(_task(kapula, case.id).id, {"again": True})
        with kapula._sessions() as session:
            after = session.scalar(select(func.count()).select_from(CaseTaskRecord).where(CaseTaskRecord.case_id == case.id))
        return after - before

    growth = [rows_written_by_one_step() for _ in range(30)]
    assert len(set(growth[5:])) == 1, growth  # each loop adds the same number of rows, whatever the history


def test_completed_cases_take_no_more_steps_and_unknown_ids_are_named(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    kapula.cancel_case(case.id, user="sek")
    assert kapula.get_case(case.id).status is CaseStatus.CANCELLED
    assert kapula.ready_tasks(case_id=case.id) == []
    assert kapula.history(case.id)[-1].lifecycle is Lifecycle.CASE_CANCELLED
    with pytest.raises(ConflictError, match="cancelled"):
        kapula.cancel_case(case.id)
    with pytest.raises(NotFoundError, match="case 999"):
        kapula.get_case(999)
    with pytest.raises(NotFoundError, match="process 'Nope'"):
        kapula.start_case("Nope")


def test_event_rows_are_only_ever_appended(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    with kapula._sessions() as session:
        first = [(r.id, r.seq, r.lifecycle, r.at) for r in session.scalars(select(EventRecord).order_by(EventRecord.id))]
    kapula.complete_task(_task(kapula, case.id).id, {})
    with kapula._sessions() as session:
        later = [(r.id, r.seq, r.lifecycle, r.at) for r in session.scalars(select(EventRecord).order_by(EventRecord.id))]
    assert later[: len(first)] == first and len(later) > len(first)


def test_a_case_inside_a_subprocess_survives_a_restart_and_restores_exactly(open_engine):
    kapula = open_engine()
    kapula.deploy([read("subprocess.bpmn")])
    case = kapula.start_case("Sub_demo")
    theme = _task(kapula, case.id)
    assert (theme.element_id, theme.lane) == ("Task_theme", "SEK")
    kapula.complete_task(theme.id, {"rooms": 2})
    kapula.close()

    again = open_engine()
    book = _task(again, case.id)
    assert book.element_id == "Task_book"
    with again._sessions() as session:
        stored = session.scalars(select(CaseTaskRecord.workflow_id).where(CaseTaskRecord.case_id == case.id)).all()
        assert any(stored), "subprocess tasks are stored under their subprocess"
    again.complete_task(book.id, {})
    _assert_rows_restore_the_live_case(again, case.id)
    register = _task(again, case.id)
    assert register.element_id == "Task_register"
    done = again.complete_task(register.id, {})
    assert done.status is CaseStatus.COMPLETED and done.data["seats"] == 40


def test_a_case_saved_by_another_serializer_version_is_refused_by_name_not_restored_wrong(open_engine, clock):
    """Issue 13: on restore, the stored serializer version is read; state of another version is
    refused loudly (SpiffWorkflow's migrations need the whole serialization with its specs)."""
    import json
    import re

    from sqlalchemy import update

    from engine.errors import CaseStepError
    from engine.persistence.tables import CaseRecord

    first = open_engine()
    first.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    old, fine = (first.start_case("Handoff_demo", {"customer": f"Oy {n}"}).id for n in "AB")
    with first._sessions.begin() as session:
        header = json.loads(session.scalar(select(CaseRecord.header_json).where(CaseRecord.id == old)))
        header["serializer_version"] = "1.4"
        session.execute(update(CaseRecord).where(CaseRecord.id == old).values(header_json=json.dumps(header)))
    first.close()

    second = open_engine()
    from engine.runtime.case_state import live_serializer_version

    live = live_serializer_version()
    with pytest.raises(CaseStepError, match=rf"serializer version 1\.4 and this Kapula reads version {re.escape(live)}"):
        second.complete_task(_task(second, old).id, {"need": "rahoitus"}, user="asiakas")
    assert second.history(old)[-1].lifecycle is not Lifecycle.TASK_COMPLETED  # nothing changed
    assert second.complete_task(_task(second, fine).id, {"need": "rahoitus"}, user="asiakas").status is CaseStatus.RUNNING


def test_completing_a_task_another_process_completed_is_a_conflict_not_not_found(open_engine, clock):
    """A case restored from its open part holds no finished tasks; the loser of a race on another
    server process got 404 'task not found' instead of 409 (tests/e2e/test_load.py's races)."""
    first, second = open_engine(), open_engine()
    first.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = first.start_case("Handoff_demo", {"customer": "Oy A"})
    first.complete_task(_task(first, case.id).id, {"need": "rahoitus"}, user="asiakas")
    task = _task(second, case.id)  # the second process sees the task ready
    first.complete_task(task.id, {"needs_funding": False}, user="sek")
    with pytest.raises(ConflictError, match="not ready any more"):
        second.complete_task(task.id, {"needs_funding": False}, user="sek2")
    with pytest.raises(NotFoundError):
        second.complete_task("00000000-0000-0000-0000-000000000000", {}, user="sek2")
