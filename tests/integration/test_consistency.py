"""The consistency checker passes every case the engine writes and finds each kind of damage."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from engine.consistency import CaseFacts, check_case, check_cases
from engine.demo import run_demo
from engine.model import Lifecycle
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord
from tests.conftest import read

MODELS = Path(__file__).parents[2] / "bpmn"


def _problems(kapula, case_ids=None):
    with kapula.sessions() as session:
        return [(p.case_id, p.problem) for p in check_cases(SqlUnitOfWork(session), case_ids)]


@pytest.fixture
def case(kapula):
    """A three-lane case with a claim, a completion by the claimer and a case waiting in SEK."""
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    case = kapula.complete_task(case.ready_tasks[0].id, {})
    kapula.claim_task(case.ready_tasks[0].id, user="sek")
    return kapula.complete_task(case.ready_tasks[0].id, {"needs_funding": False}, user="sek")


def test_every_case_of_the_demo_is_consistent(kapula, clock):
    run_demo(kapula, clock, MODELS, progress=lambda _: None, days=60)
    assert len(kapula.cases()) > 5
    assert _problems(kapula) == []


def test_a_cancelled_and_a_running_case_are_consistent(kapula, case):
    other = kapula.start_case("Handoff_demo")
    kapula.cancel_case(other.id)
    assert _problems(kapula) == []


def _event_of(kapula, case_id, lifecycle, element_id=None):
    with kapula.sessions() as session:
        stmt = select(EventRecord).where(EventRecord.case_id == case_id, EventRecord.lifecycle == lifecycle.value)
        if element_id is not None:
            stmt = stmt.where(EventRecord.element_id == element_id)
        return session.scalars(stmt).first()


def test_a_lost_event_is_a_gap(kapula, case):
    lost = _event_of(kapula, case.id, Lifecycle.TASK_CLAIMED)
    with kapula.sessions.begin() as session:
        session.execute(delete(EventRecord).where(EventRecord.id == lost.id))
    (problem,) = _problems(kapula)
    assert problem[0] == case.id and "without gaps" in problem[1]


def test_a_task_completed_twice_is_found(kapula, case):
    done = _event_of(kapula, case.id, Lifecycle.TASK_COMPLETED, "Task_prepare")
    with kapula.sessions.begin() as session:
        last = session.get(CaseRecord, case.id).last_event_seq
        session.execute(
            insert(EventRecord).values(
                case_id=case.id,
                seq=last + 1,
                at=done.at,
                lifecycle=done.lifecycle,
                element_id=done.element_id,
                element_type=done.element_type,
                lane=done.lane,
                task_id=done.task_id,
                changed_json="{}",
            )
        )
        session.execute(update(CaseRecord).where(CaseRecord.id == case.id).values(last_event_seq=last + 1))
    assert [p for _, p in _problems(kapula)] == [f"task {done.task_id} has task_completed at seq {last + 1} after it ended"]


def test_a_task_row_its_events_disagree_with_is_found(kapula, case):
    ready = case.ready_tasks[0].id
    with kapula.sessions.begin() as session:
        session.execute(update(CaseTaskRecord).where(CaseTaskRecord.task_id == ready).values(state=64))
    assert [p for _, p in _problems(kapula)] == [f"task {ready} is COMPLETED in its row but its events say READY"]


def test_a_case_status_its_events_do_not_give_is_found(kapula, case):
    with kapula.sessions.begin() as session:
        session.execute(update(CaseRecord).where(CaseRecord.id == case.id).values(status="completed"))
    problems = [p for _, p in _problems(kapula, [case.id])]
    assert "the case row says completed, its events say running" in problems
    assert any("still open in the events of a completed case" in p for p in problems)


def test_claims_must_alternate_and_fall_in_the_ready_time():
    facts = CaseFacts(
        1,
        "running",
        5,
        events=[
            (1, "case_started", None),
            (2, "task_claimed", "t"),
            (3, "task_ready", "t"),
            (4, "task_claimed", "t"),
            (5, "task_claimed", "t"),
        ],
        user_tasks={"t": 16},
    )
    assert check_case(facts) == [
        "task t has task_claimed at seq 2 before it became ready",
        "task t has task_claimed at seq 5 while claimed",
    ]
