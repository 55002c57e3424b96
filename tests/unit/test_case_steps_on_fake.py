"""A case's life as use cases on the in-memory unit of work (issue 13): deploy the three-lane
model, start a case as the customer, an SEK advisor claims and completes a task another advisor
may not, and the case's events read back; the steps' rules, the case store's write (on the fake
case repository) and the access log, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.access.policy import Principal, Role
from engine.clock import FakeClock
from engine.definitions import VersionCache
from engine.errors import AccessDeniedError, ConflictError
from engine.model import CaseStatus, Lifecycle
from engine.persistence.fake import FakeUnitOfWork
from engine.runtime.parser import load_files
from engine.runtime.states import READY
from engine.services.cases import start_in
from engine.services.definitions import store_upload
from engine.services.gate import Caller, entry, refusal_of
from engine.services.tasks import change_claim, complete_in
from tests.conftest import read

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
OWNER = Caller(Principal("sek.owner", "SEK", Role.PROCESS_OWNER, organisation="SEK"), origin="test")
CUSTOMER = Caller(Principal("asiakas", "Asiakas", Role.CUSTOMER), origin="test")
SEK_A = Caller(Principal("sek.a", "A", Role.ADVISOR, organisation="SEK"), origin="test")
SEK_B = Caller(Principal("sek.b", "B", Role.ADVISOR, organisation="SEK"), origin="test")
NOVAGO = Caller(Principal("novago.c", "C", Role.ADVISOR, organisation="Novago"), origin="test")


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


def _start(uow: FakeUnitOfWork, clock: FakeClock, versions: VersionCache) -> int:
    data = {"customer": "Oy"}
    ctx = start_in(uow, versions, "Handoff_demo", data, caller=CUSTOMER, now=clock.now(), clock=clock, checked_form=None)
    uow.cases.save(ctx, now=clock.now(), user="asiakas", first_event=Lifecycle.CASE_STARTED, start_data=data)
    uow.access_log.add([entry(CUSTOMER, "start", clock.now(), case_id=ctx.case.id, process_key="Handoff_demo")])
    return int(ctx.case.id)


def _complete(uow: FakeUnitOfWork, clock: FakeClock, caller: Caller, task_id: str, data: dict) -> CaseStatus:
    ctx = complete_in(uow, task_id, data, caller=caller, user=caller.username, checked_form=None, now=clock.now(), clock=clock)
    saved = uow.cases.save(ctx, now=clock.now(), user=caller.username)
    uow.access_log.add([entry(caller, "complete", clock.now(), case_id=ctx.case.id, task_id=task_id)])
    return saved.status


def _ready(uow: FakeUnitOfWork, case_id: int) -> list[tuple[str, str | None, str | None]]:
    return [(t.task_id, t.element_id, t.lane) for t in uow.case_reads.user_tasks(case_id, READY)]


def test_a_customer_starts_a_case_an_sek_advisor_claims_and_completes_its_task(uow):
    clock, versions = FakeClock(NOW), VersionCache()
    case_id = _start(uow, clock, versions)
    ((first, element, lane),) = _ready(uow, case_id)
    assert (element, lane) == ("Task_describe", "Asiakas")
    clock.advance(hours=1)
    assert _complete(uow, clock, CUSTOMER, first, {"need": "kasvu"}) is CaseStatus.RUNNING
    ((sek_task, element, lane),) = _ready(uow, case_id)
    assert (element, lane) == ("Task_prepare", "SEK")

    clock.advance(minutes=5)
    change_claim(uow, sek_task, user="sek.a", caller=SEK_A, claim=True, now=clock.now())
    with pytest.raises(ConflictError, match="claimed by sek.a") as refused:  # a colleague of the lane
        complete_in(uow, sek_task, {}, caller=SEK_B, user="sek.b", checked_form=None, now=clock.now(), clock=clock)
    assert refusal_of(refused.value).user == "sek.b"
    with pytest.raises(AccessDeniedError):  # another organisation's advisor learns nothing of it
        complete_in(uow, sek_task, {}, caller=NOVAGO, user="novago.c", checked_form=None, now=clock.now(), clock=clock)
    clock.advance(minutes=30)
    assert _complete(uow, clock, SEK_A, sek_task, {"needs_funding": False}) is CaseStatus.RUNNING
    assert [(element, lane) for _, element, lane in _ready(uow, case_id)] == [("Task_aftercare", "SEK")]  # no funding
    row = uow.case_reads.row(case_id)

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
        (Lifecycle.TASK_CLAIMED, "Task_prepare", "SEK", "sek.a"),
        (Lifecycle.TASK_COMPLETED, "Task_prepare", "SEK", "sek.a"),
    ]
    assert events[0].changed == {"customer": "Oy"} and events[0].at == NOW
    assert uow.claims.user_task(sek_task).ready is False and uow.claims.holders([sek_task]) == {sek_task: "sek.a"}
    assert [(e.user, e.action, e.refused is not None) for e in uow.access_log.rows] == [
        ("sek.owner", "deploy", False),
        ("asiakas", "start", False),
        ("asiakas", "complete", False),
        ("sek.a", "claim", False),
        ("sek.a", "complete", False),
    ]
    assert (row.status, row.process_key) == ("running", "Handoff_demo") and '"need": "kasvu"' in row.data_json


def test_a_completion_read_before_a_claim_fails_the_version_check(uow):
    """The step loads the case, a claim lands, the step's write is refused as on the database."""
    clock, versions = FakeClock(NOW), VersionCache()
    case_id = _start(uow, clock, versions)
    ((first, _, _),) = _ready(uow, case_id)
    _complete(uow, clock, CUSTOMER, first, {"need": "kasvu"})
    ((sek_task, _, _),) = _ready(uow, case_id)
    ctx = complete_in(
        uow, sek_task, {"needs_funding": False}, caller=SEK_B, user="sek.b", checked_form=None, now=clock.now(), clock=clock
    )
    change_claim(uow, sek_task, user="sek.a", caller=SEK_A, claim=True, now=clock.now())
    with pytest.raises(ConflictError, match="changed by someone else"):
        uow.cases.save(ctx, now=clock.now(), user="sek.b")
    assert [e.lifecycle for e in uow.events.of_case(case_id)][-1] is Lifecycle.TASK_CLAIMED
    assert _ready(uow, case_id)[0][0] == sek_task


def test_a_customer_may_not_work_an_advisors_task(uow):
    clock = FakeClock(NOW)
    case_id = _start(uow, clock, VersionCache())
    ((first, _, _),) = _ready(uow, case_id)
    _complete(uow, clock, CUSTOMER, first, {"need": "kasvu"})
    ((sek_task, _, _),) = _ready(uow, case_id)
    with pytest.raises(AccessDeniedError):
        complete_in(
            uow, sek_task, {}, caller=CUSTOMER, user="asiakas", checked_form=None, now=clock.now() + timedelta(1), clock=clock
        )
