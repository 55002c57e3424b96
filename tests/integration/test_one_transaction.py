"""A use case is one transaction: the access rules, the claim rule and the access-log entry are
checked and written inside the step's own transaction (issue 13)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from engine.access.directory import Directory
from engine.access.policy import Role
from engine.errors import ConflictError, UnavailableError
from engine.model import Lifecycle
from engine.persistence.sql import SqlAccessLog
from engine.services.gate import Caller
from tests.conftest import read


@pytest.fixture
def people(kapula):
    directory = Directory(kapula.sessions, kapula.clock)
    directory.add_organisation("SEK")
    for name in ("sek.a", "sek.b"):
        directory.add_user(name, "salasana-123", role=Role.ADVISOR, organisation="SEK")
    return {name: Caller(directory.principal(name), origin="test") for name in ("sek.a", "sek.b")}


@pytest.fixture
def sek_task(kapula, people) -> str:
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    done = kapula.complete_task(case.ready_tasks[0].id, {"need": "kasvu"})
    (task,) = done.ready_tasks
    assert task.lane == "SEK"
    return task.id


def _is_claim_read(statement: str) -> bool:
    return "FROM event" in statement and "event.task_id IN" in statement and "event.lifecycle IN" in statement


def test_a_claim_that_lands_between_the_completions_read_and_write_is_never_overridden(kapula, people, sek_task):
    """sek.b claims the task exactly when sek.a's completion has read who holds it. Either the
    claim waits for the completion (SQLite's write lock) and is then refused, or it commits first
    and the completion is refused inside its own transaction (by the claim rule, or by the case
    row's version check); never both."""
    engine = kapula.sessions.kw["bind"]
    main = threading.get_ident()
    outcome: dict[str, object] = {}

    def claim_by_b() -> None:
        try:
            outcome["claim"] = kapula.claim_task(sek_task, caller=people["sek.b"])
        except ConflictError as exc:
            outcome["claim"] = exc

    claimer = threading.Thread(target=claim_by_b)

    def interleave(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == main and _is_claim_read(statement) and not claimer.is_alive() and "claim" not in outcome:
            claimer.start()
            claimer.join(timeout=2)  # PostgreSQL: the claim commits now; SQLite: it waits for our write lock

    event.listen(engine, "after_cursor_execute", interleave)
    try:
        try:
            outcome["complete"] = kapula.complete_task(sek_task, {"needs_funding": False}, caller=people["sek.a"])
        except ConflictError as exc:
            outcome["complete"] = exc
    finally:
        event.remove(engine, "after_cursor_execute", interleave)
        claimer.join(timeout=60)
    assert claimer.ident is not None, "the claim was never interleaved"
    refused = [name for name, result in outcome.items() if isinstance(result, ConflictError)]
    assert len(refused) == 1, outcome
    events = kapula.history(kapula.get_task(sek_task).case_id)
    mine = [(e.lifecycle, e.user) for e in events if e.task_id == sek_task and e.lifecycle is not Lifecycle.TASK_READY]
    assert mine in ([(Lifecycle.TASK_COMPLETED, "sek.a")], [(Lifecycle.TASK_CLAIMED, "sek.b")])


def test_a_completion_of_a_task_claimed_by_someone_else_is_refused_and_logged(kapula, people, sek_task):
    kapula.claim_task(sek_task, caller=people["sek.b"])
    with pytest.raises(ConflictError, match="claimed by sek.b"):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=people["sek.a"])
    assert kapula.get_task(sek_task).state == "READY"
    (refusal,) = kapula.access_log(refused=True)
    assert (refusal.user, refusal.action, refusal.task_id) == ("sek.a", "complete", sek_task)


def test_when_the_access_log_insert_fails_the_step_rolls_back(kapula, people, sek_task, monkeypatch):
    def broken(self, entries):
        raise UnavailableError("the access log cannot be written")

    working = SqlAccessLog.add
    monkeypatch.setattr(SqlAccessLog, "add", broken)
    case_id = kapula.get_task(sek_task).case_id
    before = kapula.history(case_id)
    with pytest.raises(UnavailableError):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=people["sek.a"])
    assert kapula.history(case_id) == before
    assert kapula.get_task(sek_task).state == "READY"
    assert kapula.access_log() == []
    # with the log writable again the same step goes through, and is logged in its transaction
    monkeypatch.setattr(SqlAccessLog, "add", working)
    kapula.complete_task(sek_task, {"needs_funding": False}, caller=people["sek.a"])
    assert [(e.user, e.action) for e in kapula.access_log()] == [("sek.a", "complete")]
