"""Claiming tasks: recorded in the event log under the case's version check; handoff pickup uses it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import ConflictError, NotFoundError
from engine.history import handoffs
from engine.model import Lifecycle
from tests.conftest import read

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _waiting_at_sek(kapula, clock):
    clock.set(T0)
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo", {"customer": "Oy"}, user="asiakas")
    clock.advance(hours=1)
    kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"}, user="asiakas")
    (task,) = kapula.ready_tasks(case_id=case.id)
    assert task.lane == "SEK"
    return case, task


def test_claim_is_logged_and_shown_on_the_task(kapula, clock):
    case, task = _waiting_at_sek(kapula, clock)
    clock.advance(minutes=20)
    claimed = kapula.claim_task(task.id, user="sek.neuvoja")
    assert claimed.claimed_by == "sek.neuvoja"
    assert kapula.ready_tasks(lane="SEK")[0].claimed_by == "sek.neuvoja"
    assert kapula.get_case(case.id).ready_tasks[0].claimed_by == "sek.neuvoja"
    last = kapula.history(case.id)[-1]
    assert (last.lifecycle, last.user, last.lane, last.element_id, last.at) == (
        Lifecycle.TASK_CLAIMED,
        "sek.neuvoja",
        "SEK",
        "Task_prepare",
        T0 + timedelta(hours=1, minutes=20),
    )
    assert last.element_name == "Valmistele käynti"


def test_second_claim_conflicts_and_unclaim_releases(kapula, clock):
    case, task = _waiting_at_sek(kapula, clock)
    kapula.claim_task(task.id, user="a")
    with pytest.raises(ConflictError, match="already claimed by a"):
        kapula.claim_task(task.id, user="b")
    assert kapula.unclaim_task(task.id, user="a").claimed_by is None
    with pytest.raises(ConflictError, match="not claimed"):
        kapula.unclaim_task(task.id, user="a")
    assert kapula.claim_task(task.id, user="b").claimed_by == "b"
    seqs = [e.seq for e in kapula.history(case.id)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_claim_of_unknown_or_finished_task_is_refused(kapula, clock):
    case, task = _waiting_at_sek(kapula, clock)
    with pytest.raises(NotFoundError):
        kapula.claim_task("00000000-0000-0000-0000-000000000000", user="a")
    kapula.complete_task(task.id, {"needs_funding": False}, user="a")
    with pytest.raises(ConflictError, match="not ready"):
        kapula.claim_task(task.id, user="a")


def test_case_moves_on_after_a_claim_from_the_cached_workflow(kapula, clock):
    case, task = _waiting_at_sek(kapula, clock)
    kapula.claim_task(task.id, user="a")
    after = kapula.complete_task(task.id, {"needs_funding": True}, user="a")
    assert [t.element_id for t in after.ready_tasks] == ["Task_funding"]
    assert after.ready_tasks[0].claimed_by is None


def test_concurrent_claims_one_wins_one_conflicts(open_engine, clock):
    first, second = open_engine(), open_engine()
    _case, task = _waiting_at_sek(first, clock)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(kapula, user):
        barrier.wait()
        try:
            kapula.claim_task(task.id, user=user)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=claim, args=(k, u)) for k, u in ((first, "a"), (second, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert first.get_task(task.id).claimed_by in {"a", "b"}


def test_a_claim_after_a_step_loaded_makes_that_step_conflict(open_engine, clock):
    first, second = open_engine(), open_engine()
    _case, task = _waiting_at_sek(first, clock)
    second.get_task(task.id)
    first.claim_task(task.id, user="a")
    # `second` caches nothing for this case; `first` did, and must not reuse a stale version
    first.unclaim_task(task.id, user="a")
    second.claim_task(task.id, user="b")
    with pytest.raises(ConflictError):
        first.claim_task(task.id, user="a")
    done = first.complete_task(task.id, {"needs_funding": False}, user="b")
    assert done.ready_tasks[0].element_id == "Task_aftercare"


def test_handoff_is_picked_up_at_the_first_claim_else_at_completion(kapula, clock):
    case, task = _waiting_at_sek(kapula, clock)
    clock.advance(minutes=30)
    kapula.claim_task(task.id, user="a")
    clock.advance(minutes=10)
    kapula.unclaim_task(task.id, user="a")
    kapula.claim_task(task.id, user="b")
    clock.advance(hours=2)
    aftercare = kapula.complete_task(task.id, {"needs_funding": False}, user="b").ready_tasks[0]
    clock.advance(hours=1)
    feedback = kapula.complete_task(aftercare.id, {}, user="b").ready_tasks[0]
    clock.advance(hours=5)
    kapula.complete_task(feedback.id, {"satisfaction": 4}, user="asiakas")
    to_sek, to_customer = handoffs(kapula.history(case.id))
    assert (to_sek.from_lane, to_sek.to_lane, to_sek.pickup_time) == ("Asiakas", "SEK", timedelta(minutes=30))
    assert (to_customer.from_lane, to_customer.to_lane, to_customer.pickup_time) == ("SEK", "Asiakas", timedelta(hours=5))


def test_the_claim_reads_go_along_the_claims_index(database_url, backend):
    """ix_event_claims holds only claim events (a step writes none of its pages); SQLite uses such a
    partial index only when the read names the same lifecycles inline, so a read that bound them as
    parameters would scan the whole event log for every task list."""
    from sqlalchemy import create_engine

    from engine.persistence.migrate import upgrade
    from engine.persistence.sql import _HOLDERS
    from engine.persistence.tables import CLAIM_LIFECYCLES

    assert CLAIM_LIFECYCLES == f"('{Lifecycle.TASK_CLAIMED.value}', '{Lifecycle.TASK_UNCLAIMED.value}')"
    engine = create_engine(database_url)
    upgrade(engine)
    # as the repository runs it: the task ids bound as parameters, the lifecycles as written
    ran = _HOLDERS.compile(engine).construct_expanded_state({"task_ids": ["t1", "t2"]})
    with engine.connect() as conn:
        if backend == "sqlite":
            values = tuple(ran.parameters[name] for name in ran.positiontup or ())
            plan = " ".join(str(r[3]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + ran.statement, values))
        else:  # an empty table: only an index the planner cannot use is never chosen
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = " ".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + ran.statement, ran.parameters))
    engine.dispose()
    assert "ix_event_claims" in plan, plan
