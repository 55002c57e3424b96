"""A case's life through the real use cases on the in-memory unit of work (issue 13): the
services take FakeUnitOfWork as their unit-of-work factory; the three-lane model is deployed on it,
a customer starts a case, an SEK advisor claims and completes a task another advisor may not, and
the case's events and access log read back. Also: a refused use case leaves the fake as it was
(the fake's rollback), a message thrown between two pools starts and resumes the other pool's
case, and a cancel. No database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from engine.access.policy import Principal, Role
from engine.clock import FakeClock
from engine.errors import AccessDeniedError, ConflictError, InvalidDataError
from engine.incidents import Failure
from engine.model import CaseStatus, Lifecycle
from engine.persistence.fake import FakeUnitOfWork
from engine.runtime.parser import load_files
from engine.runtime.states import READY
from engine.services import Kapula
from engine.services.definitions import store_upload
from engine.services.gate import Caller
from tests.conftest import checked_first, decided_by_gateway, read

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OWNER = Caller(Principal("sek.owner", "SEK", Role.PROCESS_OWNER, organisation="SEK"), origin="test")
CUSTOMER = Caller(Principal("asiakas", "Asiakas", Role.CUSTOMER), origin="test")
SEK_A = Caller(Principal("sek.a", "A", Role.ADVISOR, organisation="SEK"), origin="test")
SEK_B = Caller(Principal("sek.b", "B", Role.ADVISOR, organisation="SEK"), origin="test")
NOVAGO = Caller(Principal("novago.c", "C", Role.ADVISOR, organisation="Novago"), origin="test")
ADMIN = Caller(Principal("admin", "Admin", Role.ADMINISTRATOR), origin="test")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    """Handoff_demo deployed by SEK's owner on the fake, with the card that offers it to customers;
    the customer known by their role."""
    fake = FakeUnitOfWork()
    fake.owners.organisation_names.update({"SEK", "Novago"})
    fake.directory.roles["asiakas"] = Role.CUSTOMER
    files = [read("three_lanes.bpmn"), read("tarve.json"), read("three_lanes.card.json")]
    store_upload(fake, [(load_files(files), files)], caller=OWNER, owner=None, now=NOW)
    return fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def kapula(uow: FakeUnitOfWork, clock: FakeClock) -> Kapula:
    """The real use cases, each opening its unit of work from the fake."""
    return Kapula(None, clock, None, units=uow)


def _state(uow: FakeUnitOfWork) -> tuple:
    """What a use case could have written: cases, task rows, events, claims, access log, incidents."""
    return copy.deepcopy(
        (uow.cases.rows, uow.cases.tasks, uow.events.__dict__, uow.claims.__dict__.get("holders"), uow.access_log.rows)
    )


def _at_sek_task(kapula: Kapula, clock: FakeClock) -> tuple[int, str, str]:
    case = kapula.start_case("Handoff_demo", {}, caller=CUSTOMER)  # no start form: a customer gives no data
    (first,) = case.ready_tasks
    assert (first.element_id, first.lane) == ("Task_describe", "Asiakas")
    clock.advance(hours=1)
    case = kapula.complete_task(first.id, {"need": "kasvu"}, caller=CUSTOMER)
    assert case.status is CaseStatus.RUNNING
    (sek_task,) = case.ready_tasks
    assert (sek_task.element_id, sek_task.lane) == ("Task_prepare", "SEK")
    return case.id, first.id, sek_task.id


def test_a_customer_starts_a_case_an_sek_advisor_claims_and_completes_its_task(kapula, uow, clock):
    case_id, first, sek_task = _at_sek_task(kapula, clock)
    clock.advance(minutes=5)
    assert kapula.claim_task(sek_task, caller=SEK_B).claimed_by == "sek.b"
    assert kapula.unclaim_task(sek_task, caller=SEK_B).claimed_by is None
    assert kapula.claim_task(sek_task, caller=SEK_A).claimed_by == "sek.a"
    with pytest.raises(ConflictError, match="claimed by sek.a"):  # a colleague of the lane
        kapula.complete_task(sek_task, {}, caller=SEK_B)
    with pytest.raises(AccessDeniedError):  # another organisation's advisor learns nothing of it
        kapula.complete_task(sek_task, {}, caller=NOVAGO)
    clock.advance(minutes=30)
    case = kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_A)
    assert case.status is CaseStatus.RUNNING
    assert [(t.element_id, t.lane) for t in case.ready_tasks] == [("Task_aftercare", "SEK")]  # no funding
    assert case.data == {"need": "kasvu", "needs_funding": False}

    events = uow.events.of_case(case_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    shown = [
        (e.lifecycle, e.element_id, e.lane, e.user)
        for e in events
        if e.task_id in (first, sek_task) or e.lifecycle is Lifecycle.CASE_STARTED
    ]
    assert shown == [
        (Lifecycle.CASE_STARTED, None, None, "asiakas"),
        (Lifecycle.TASK_READY, "Task_describe", "Asiakas", None),
        (Lifecycle.TASK_COMPLETED, "Task_describe", "Asiakas", "asiakas"),
        (Lifecycle.TASK_READY, "Task_prepare", "SEK", None),
        (Lifecycle.TASK_CLAIMED, "Task_prepare", "SEK", "sek.b"),
        (Lifecycle.TASK_UNCLAIMED, "Task_prepare", "SEK", "sek.b"),
        (Lifecycle.TASK_CLAIMED, "Task_prepare", "SEK", "sek.a"),
        (Lifecycle.TASK_COMPLETED, "Task_prepare", "SEK", "sek.a"),
    ]
    assert not events[0].changed and events[0].at == NOW
    assert uow.claims.user_task(sek_task).ready is False and uow.claims.holders([sek_task]) == {sek_task: "sek.a"}
    # the refusals are kept, each in a unit of its own after the refused one rolled back
    assert [(e.user, e.action, e.refused is not None) for e in uow.access_log.rows] == [
        ("sek.owner", "deploy", False),
        ("asiakas", "start", False),
        ("asiakas", "complete", False),
        ("sek.b", "claim", False),
        ("sek.b", "unclaim", False),
        ("sek.a", "claim", False),
        ("sek.b", "complete", True),
        ("novago.c", "complete", True),
        ("sek.a", "complete", False),
    ]
    row = uow.case_reads.row(case_id)
    assert (row.status, row.process_key) == ("running", "Handoff_demo") and '"need": "kasvu"' in row.data_json


def test_a_refused_completion_leaves_the_fake_as_it_was(kapula, uow, clock):
    """The claim rule refuses after the case was loaded and the refusal's entry is the only change;
    a form refused inside the step (the hint was dropped) leaves nothing either."""
    case_id, _, sek_task = _at_sek_task(kapula, clock)
    kapula.claim_task(sek_task, caller=SEK_A)
    before, entries = _state(uow), len(uow.access_log.rows)
    with pytest.raises(ConflictError):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_B)
    after = _state(uow)
    assert after[:4] == before[:4]
    assert [(e.user, e.refused is not None) for e in uow.access_log.rows[entries:]] == [("sek.b", True)]


def test_a_step_that_fails_after_writing_rolls_the_whole_unit_back(kapula, uow, clock, monkeypatch):
    """The write of the case lands, then the access log fails: the unit restores every repository
    (without the rollback the task would be completed and a second case stored)."""
    case_id, _, sek_task = _at_sek_task(kapula, clock)
    before = _state(uow)

    def full(self, entries):
        raise InvalidDataError("the access log is full")

    monkeypatch.setattr(type(uow.access_log), "add", full)
    with pytest.raises(InvalidDataError, match="full"):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_A)
    with pytest.raises(InvalidDataError, match="full"):  # a start: its new case row goes too
        kapula.start_case("Handoff_demo", {}, caller=CUSTOMER)
    monkeypatch.undo()
    assert _state(uow) == before
    # the case steps again from where it was
    case = kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_A)
    assert [t.element_id for t in case.ready_tasks] == ["Task_aftercare"]


def test_an_administrator_cancels_a_case_on_the_fake(kapula, uow, clock):
    case_id, _, sek_task = _at_sek_task(kapula, clock)
    with pytest.raises(InvalidDataError, match="reason"):
        kapula.cancel_case(case_id, caller=ADMIN)
    case = kapula.cancel_case(case_id, reason="asked by the customer", caller=ADMIN)
    assert case.status is CaseStatus.CANCELLED and case.ready_tasks == ()
    assert uow.events.of_case(case_id)[-1].lifecycle is Lifecycle.CASE_CANCELLED
    assert uow.access_log.rows[-1].action == "cancel" and uow.access_log.rows[-1].reason == "asked by the customer"
    with pytest.raises(ConflictError):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_A)


def test_a_message_between_two_pools_starts_and_resumes_the_other_case():
    """Front office throws 'application': a Back office case starts; its end throws 'decision',
    which resumes the front case at 'Tell customer'. Routing reads through the fake's port."""
    fake = FakeUnitOfWork()
    files = [read("two_pools.bpmn")]
    store_upload(fake, [(load_files(files), files)], caller=None, owner=None, now=NOW)
    kapula = Kapula(None, FakeClock(NOW), None, units=fake)
    front = kapula.start_case("Front_office", user="anna")
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    assert front.ready_tasks == () and [w.message for w in front.waiting_for] == ["decision"]
    back_id = next(i for i, row in fake.cases.rows.items() if row["process_key"] == "Back_office")
    assert fake.cases.rows[back_id]["conversation_id"] == fake.cases.rows[front.id]["conversation_id"]
    sent = [e for e in fake.events.of_case(front.id) if e.lifecycle is Lifecycle.MESSAGE_SENT]
    assert [e.changed for e in sent] == [{"message": "application", "to_cases": [back_id], "to": ["Back office"]}]
    (decide,) = [t.task_id for t in fake.case_reads.user_tasks(back_id, READY) if t.element_id == "Task_decide"]
    done = kapula.complete_task(decide, {"approved": True}, user="bob")
    assert done.status is CaseStatus.COMPLETED
    received = [e for e in fake.events.of_case(front.id) if e.lifecycle is Lifecycle.MESSAGE_RECEIVED]
    assert [(e.element_id, e.changed["from_case"], e.changed["from_lane"]) for e in received] == [
        ("Catch_decision", back_id, "Back office")
    ]
    assert fake.cases.rows[front.id]["status"] == "running"


def test_a_decision_sent_before_the_front_case_waits_is_kept_on_the_fake_and_handed_over():
    fake = FakeUnitOfWork()
    files = [checked_first("two_pools.bpmn")]
    store_upload(fake, [(load_files(files), files)], caller=None, owner=None, now=NOW)
    kapula = Kapula(None, FakeClock(NOW), None, units=fake)
    front = kapula.start_case("Front_office", user="anna")
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    back_id = next(i for i, row in fake.cases.rows.items() if row["process_key"] == "Back_office")
    (decide,) = [t.task_id for t in fake.case_reads.user_tasks(back_id, READY) if t.element_id == "Task_decide"]
    assert kapula.complete_task(decide, {"approved": True}, user="bob").status is CaseStatus.COMPLETED
    assert [(m.name, m.process_key, m.from_case_id) for m in fake.buffer.rows] == [("decision", "Front_office", back_id)]
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert [t.name for t in front.ready_tasks] == ["Tell customer"] and front.data["approved"] is True
    assert fake.buffer.rows == []


def test_a_kept_decision_the_front_case_fails_on_does_not_refuse_the_person_s_step_on_the_fake():
    """The step that hands the kept message over is rolled back on the fake and run again without
    it: the person's completion stands, the message stays kept for the timer round."""
    fake = FakeUnitOfWork()
    files = [decided_by_gateway()]
    store_upload(fake, [(load_files(files), files)], caller=None, owner=None, now=NOW)
    kapula = Kapula(None, FakeClock(NOW), None, units=fake)
    front = kapula.start_case("Front_office", user="anna")
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"}, user="anna")
    back_id = next(i for i, row in fake.cases.rows.items() if row["process_key"] == "Back_office")
    (decide,) = [t.task_id for t in fake.case_reads.user_tasks(back_id, READY) if t.element_id == "Task_decide"]
    kapula.complete_task(decide, {"approved": "maybe"}, user="bob")
    front = kapula.complete_task(front.ready_tasks[0].id, {}, user="anna")
    assert front.status is CaseStatus.RUNNING and [w.message for w in front.waiting_for] == ["decision"]
    assert [(m.name, m.from_case_id) for m in fake.buffer.rows] == [("decision", back_id)]
    assert [e.element_id for e in fake.events.of_case(front.id) if e.lifecycle is Lifecycle.TASK_COMPLETED][-1] == "Task_check"
    assert not [e for e in fake.events.of_case(front.id) if e.lifecycle is Lifecycle.MESSAGE_RECEIVED]


def test_an_incident_fails_the_fake_case_and_a_cancel_closes_it(kapula, uow, clock):
    """An incident recorded on the fake marks the case repository's row failed (a new row
    version): a completion is refused, and an administrator's cancel closes the incident."""
    case_id, _, sek_task = _at_sek_task(kapula, clock)
    version = uow.cases.rows[case_id]["row_version"]
    failure = Failure("timer", "Task_prepare", "Valmistele", "the timer's script failed")
    assert not uow.incidents.record_failure(case_id, "Handoff_demo", version - 1, failure, now=clock.now())  # stale
    assert uow.incidents.record_failure(case_id, "Handoff_demo", version, failure, now=clock.now())
    assert (uow.cases.rows[case_id]["status"], uow.cases.rows[case_id]["row_version"]) == ("failed", version + 1)
    assert uow.case_reads.row(case_id).status == "failed"
    with pytest.raises(ConflictError, match="takes no more steps"):
        kapula.complete_task(sek_task, {"needs_funding": False}, caller=SEK_A)
    case = kapula.cancel_case(case_id, reason="the timer cannot be fixed", caller=ADMIN)
    assert case.status is CaseStatus.CANCELLED
    (incident,) = uow.incidents.of_case(case_id)
    assert (incident.resolved_at, incident.resolved_by) == (clock.now(), "admin")
