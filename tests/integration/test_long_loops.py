"""A rework loop through a parallel join, through the service layer and the database, past the round
where it used to die (RecursionError at ~160), with a restart in between (../shared/cases/engine/long-loops).
tests/unit/test_long_loops.py runs 1,000 rounds of each join kind through the same runtime pieces."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from engine.access.policy import Principal, Role
from engine.model import CaseStatus
from engine.services.gate import Caller, operator
from tests.conftest import FIXTURES, read, statements

ROUNDS = 240


def _one_round(kapula, case_id: int, number: int) -> None:
    ready = {t.element_id: t for t in kapula.ready_tasks(case_id=case_id)}
    assert set(ready) == {"Task_a", "Task_b"}
    first, second = ("Task_a", "Task_b") if number % 2 else ("Task_b", "Task_a")
    kapula.complete_task(ready[first].id, {"round": number})
    [waiting] = kapula.ready_tasks(case_id=case_id)
    assert waiting.element_id == second
    kapula.complete_task(waiting.id, {})
    [review] = kapula.ready_tasks(case_id=case_id)
    assert review.element_id == "Task_review"
    kapula.complete_task(review.id, {"accepted": False})


def test_a_rework_loop_through_a_parallel_join_goes_on_past_200_rounds_and_a_restart(open_engine):
    kapula = open_engine()
    kapula.deploy([("rework_loop.bpmn", (FIXTURES / "loops" / "rework_loop.bpmn").read_bytes())])
    case = kapula.start_case("Rework_loop")
    blocks = []
    for number in range(ROUNDS):
        if number == ROUNDS // 2:
            kapula.close()
            kapula = open_engine()  # a restart: the case is rebuilt from its rows
        if number % 40 == 0:
            started = time.perf_counter()
        _one_round(kapula, case.id, number)
        if number % 40 == 39:
            blocks.append(time.perf_counter() - started)
    assert min(blocks[-2:]) < 3 * min(blocks[:2]) + 1.0, blocks
    ready = {t.element_id: t for t in kapula.ready_tasks(case_id=case.id)}
    kapula.complete_task(ready["Task_a"].id, {})
    kapula.complete_task(ready["Task_b"].id, {})
    [review] = kapula.ready_tasks(case_id=case.id)
    done = kapula.complete_task(review.id, {"accepted": True})
    assert done.status is CaseStatus.COMPLETED
    assert done.data["round"] == ROUNDS - 1


def test_a_loop_around_a_call_activity_keeps_its_names_lanes_and_flat_cost_past_a_restart(open_engine):
    kapula = open_engine()
    kapula.deploy([(n, (FIXTURES / "loops" / n).read_bytes()) for n in ("call_loop.bpmn", "call_loop_check.bpmn")])
    case = kapula.start_case("Call_loop")
    blocks = []
    for number in range(ROUNDS):
        if number == ROUNDS // 2:
            kapula.close()
            kapula = open_engine()
        if number % 40 == 0:
            started = time.perf_counter()
        [fix] = kapula.ready_tasks(case_id=case.id)
        kapula.complete_task(fix.id, {"round": number})
        [check] = kapula.ready_tasks(case_id=case.id)
        assert (check.name, check.lane) == ("Check it", "Office B")  # the call activity's lane
        kapula.complete_task(check.id, {})
        [review] = kapula.ready_tasks(case_id=case.id)
        kapula.complete_task(review.id, {"accepted": number == ROUNDS - 1})
        if number % 40 == 39:
            blocks.append(time.perf_counter() - started)
    assert min(blocks[-2:]) < 3 * min(blocks[:2]) + 1.0, blocks
    assert kapula.get_case(case.id).status is CaseStatus.COMPLETED
    # each round hands the work to Office B at the call and back to Office A at the review
    assert len(kapula.timeline(case.id).handoffs) == 2 * ROUNDS


@contextmanager
def rows_read(kapula):
    """The statements Kapula's engine runs inside the block, and the rows they read: each SELECT is
    run again afterwards with its parameters and its rows counted (no timing)."""
    engine = kapula.sessions.kw["bind"]
    seen: list[tuple[str, Any]] = []

    def on_execute(_conn, _cursor, sql, params, _context, _many):
        seen.append((sql, params))

    counted = {"statements": 0, "rows": 0}
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    with engine.connect() as conn:
        for sql, params in seen:
            counted["statements"] += 1
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                counted["rows"] += len(conn.exec_driver_sql(sql, params).all())


def test_a_case_s_task_list_and_reads_do_not_grow_with_its_rounds(kapula):
    """The access rules read the start and each lane's first event, not the whole log (issue 14:
    the task list of one looping case took 0.25 s at round 350): the same statements and rows
    after 300 rounds as after 3, for an administrator and for the customer who started it."""
    kapula.deploy([read("loop.bpmn")])
    admin = Caller(operator("admin"), origin="test")
    customer = Caller(Principal(username="asiakas", display_name="Asiakas", role=Role.CUSTOMER), origin="test")
    case = kapula.start_case("Loop_demo", user="asiakas")

    def rounds(n: int) -> None:
        for _ in range(n):
            [task] = kapula.ready_tasks(case_id=case.id)
            kapula.complete_task(task.id, {"again": True})

    def reads() -> dict[str, int]:
        with rows_read(kapula) as counted:
            for caller in (admin, customer):
                kapula.ready_tasks(case_id=case.id, caller=caller)
                kapula.get_case(case.id, caller=caller)
                kapula.incidents(case.id, caller=caller)
        return counted

    rounds(3)
    few = reads()
    rounds(297)
    assert reads() == few


def test_a_case_s_history_and_timeline_read_its_log_once_for_any_caller(kapula):
    """history() and timeline() read the whole log anyway: the access rules take theirs from it
    instead of a second read of the start and the lanes' first events (an extra statement on every
    case page and GET /api/cases/{id} for advisors and customers since 9bcde01)."""
    kapula.deploy([read("loop.bpmn")])
    customer = Caller(Principal(username="asiakas", display_name="Asiakas", role=Role.CUSTOMER), origin="test")
    case = kapula.start_case("Loop_demo", user="asiakas")
    for caller in (None, customer, Caller(operator("admin"), origin="test")):
        for read_case in (kapula.history, kapula.timeline):
            with statements(kapula) as seen:
                read_case(case.id, caller=caller)
            assert len([s for s in seen if s.startswith("SELECT") and "FROM event WHERE event.case_id" in s]) == 1, (
                read_case,
                caller,
                seen,
            )
