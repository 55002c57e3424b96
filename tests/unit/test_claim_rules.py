"""Claiming, giving back and the claim rule of a completion (issue 13), as use cases on the
in-memory unit of work: the rules, the version-checked claim event and the access-log entry,
without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.access.policy import Principal, Role
from engine.errors import AccessDeniedError, ConflictError, NotFoundError
from engine.model import Event, Lifecycle
from engine.persistence.fake import FakeUnitOfWork
from engine.persistence.ports import UserTaskRow
from engine.services.gate import Caller, refusal_of
from engine.services.tasks import change_claim, claim_rule, task_rules

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SEK_A = Caller(Principal("sek.a", "A", Role.ADVISOR, organisation="SEK"), origin="test")
SEK_B = Caller(Principal("sek.b", "B", Role.ADVISOR, organisation="SEK"), origin="test")
NOVAGO = Caller(Principal("novago.c", "C", Role.ADVISOR, organisation="Novago"), origin="test")
ADMIN = Caller(Principal("admin", "Admin", Role.ADMINISTRATOR), origin="test")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Case 7 of Handoff_demo, started by a customer, waits in SEK's task t1."""
    fake = FakeUnitOfWork()
    fake.directory.roles["asiakas"] = Role.CUSTOMER
    fake.events.rows += [
        Event(7, 1, NOW, Lifecycle.CASE_STARTED, user="asiakas"),
        Event(7, 2, NOW, Lifecycle.TASK_READY, element_id="Check", lane="SEK", task_id="t1"),
    ]
    fake.claims.tasks["t1"] = UserTaskRow(
        "t1", 7, "Handoff_demo", 1, "Check", "SEK", ready=True, row_version=3, last_event_seq=2, case_status="running"
    )
    return fake


def _claims(uow: FakeUnitOfWork) -> list[tuple[Lifecycle, str | None, int]]:
    return [(e.lifecycle, e.user, e.seq) for e in uow.events.of_case(7) if e.task_id == "t1" and e.seq > 2]


def test_an_advisor_of_the_lane_claims_and_gives_back_with_an_entry_each(uow):
    assert change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=True, now=NOW).row_version == 3
    assert uow.claims.holders(["t1"]) == {"t1": "sek.a"}
    change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=False, now=NOW)
    assert uow.claims.holders(["t1"]) == {}
    assert _claims(uow) == [(Lifecycle.TASK_CLAIMED, "sek.a", 3), (Lifecycle.TASK_UNCLAIMED, "sek.a", 4)]
    assert uow.claims.tasks["t1"].row_version == 5  # each claim event bumped the case row's version
    assert [(e.user, e.action, e.task_id, e.refused) for e in uow.access_log.rows] == [
        ("sek.a", "claim", "t1", None),
        ("sek.a", "unclaim", "t1", None),
    ]


def test_a_claimed_task_is_not_claimed_again_nor_given_back_by_another_advisor(uow):
    change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=True, now=NOW)
    with pytest.raises(ConflictError, match="already claimed by sek.a"):
        change_claim(uow, "t1", user="sek.b", caller=SEK_B, claim=True, now=NOW)
    with pytest.raises(AccessDeniedError, match="only they give it back") as refused:
        change_claim(uow, "t1", user="sek.b", caller=SEK_B, claim=False, now=NOW)
    entry = refusal_of(refused.value)
    assert entry is not None and (entry.user, entry.action, entry.case_id) == ("sek.b", "unclaim", 7)
    # an administrator gives anyone's claim back
    change_claim(uow, "t1", user="admin", caller=ADMIN, claim=False, now=NOW)
    assert uow.claims.holders(["t1"]) == {}


def test_an_advisor_of_another_organisation_learns_nothing_of_the_task(uow):
    with pytest.raises(AccessDeniedError, match="not in a case you take part in") as refused:
        change_claim(uow, "t1", user="novago.c", caller=NOVAGO, claim=True, now=NOW)
    assert "SEK" not in str(refused.value)
    assert _claims(uow) == [] and uow.access_log.rows == []  # the service logs the refusal after the rollback


def test_a_completion_is_refused_when_someone_else_holds_the_task(uow):
    """complete_task checks the task rules, loads the case, then reads the holder: on the fake the
    same two rules, with a claim landing between them."""
    _task, facts = task_rules(uow, SEK_A, "t1", "complete", NOW)
    change_claim(uow, "t1", user="sek.b", caller=SEK_B, claim=True, now=NOW)
    with pytest.raises(ConflictError, match="claimed by sek.b") as refused:
        claim_rule(uow, SEK_A, facts, NOW)
    entry = refusal_of(refused.value)
    assert entry is not None and (entry.user, entry.action, entry.task_id) == ("sek.a", "complete", "t1")
    claim_rule(uow, SEK_B, facts, NOW)  # the holder completes


def test_of_two_claims_read_at_the_same_version_the_second_is_refused(uow):
    """Both read the case row at version 3; the first claim bumps it; the second's write fails the
    version check, as the UPDATE … WHERE row_version does on the database."""
    stale = uow.claims.user_task("t1")
    change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=True, now=NOW)
    with pytest.raises(ConflictError, match="changed by someone else"):
        uow.claims.record(stale, user="sek.b", claim=True, at=NOW)
    assert uow.claims.holders(["t1"]) == {"t1": "sek.a"}


def test_a_task_that_is_not_ready_or_not_there(uow):
    uow.claims.tasks["t1"] = UserTaskRow(
        "t1", 7, "Handoff_demo", 1, "Check", "SEK", ready=False, row_version=4, last_event_seq=3, case_status="running"
    )
    with pytest.raises(ConflictError, match="not ready"):
        change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=True, now=NOW)
    with pytest.raises(NotFoundError):
        change_claim(uow, "nope", user="sek.a", caller=None, claim=True, now=NOW)


@pytest.mark.parametrize("status", ["cancelled", "completed", "failed"])
def test_a_task_of_a_case_that_takes_no_more_steps_says_so_as_a_completion_does(uow, status):
    # the row as SQL and the fake read it for an ended case: its task no longer ready
    uow.claims.tasks["t1"] = UserTaskRow(
        "t1", 7, "Handoff_demo", 1, "Check", "SEK", ready=False, row_version=4, last_event_seq=3, case_status=status
    )
    for claim in (True, False):
        with pytest.raises(ConflictError) as refused:
            change_claim(uow, "t1", user="sek.a", caller=SEK_A, claim=claim, now=NOW)
        assert refused.value.message == f"case 7 is {status}; it takes no more steps"
        assert (refused.value.case_id, refused.value.case_status) == (7, status)
    assert _claims(uow) == []
