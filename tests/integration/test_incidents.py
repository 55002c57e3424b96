"""Timers isolated per case (issue 12, item 4; ../shared/cases/security/one-timer-fails): a timer
step that fails is recorded on its own case as an incident (status failed, element and error named,
retryable), and every other due timer fires in the same round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from engine.access.directory import Directory
from engine.access.policy import Role
from engine.consistency import check_cases
from engine.errors import AccessDeniedError, CaseStepError, ConflictError, InvalidDataError
from engine.model import CaseStatus, Lifecycle, TaskQuery
from engine.persistence.sql import SqlUnitOfWork
from engine.persistence.tables import CaseRecord, IncidentRecord
from engine.services.gate import Caller, operator
from tests.conftest import FIXTURES

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CASES = FIXTURES / "incidents"


def _file(name: str, replace: tuple[str, str] | None = None) -> tuple[str, bytes]:
    text = (CASES / name).read_text(encoding="utf-8")
    if replace is not None:
        text = text.replace(*replace)
    return Path(name).name, text.encode("utf-8")


def _incident_rows(kapula, case_id: int) -> list[IncidentRecord]:
    with kapula.sessions() as session:
        return list(session.scalars(select(IncidentRecord).where(IncidentRecord.case_id == case_id)))


@pytest.fixture
def poisoned(kapula, clock):
    """The shared case: A's timer leads to `osuus = 100 / summa` with summa 0; B (another process) has a later timer."""
    clock.set(T0)
    kapula.deploy([_file("rt_timerpoison.bpmn")])
    kapula.deploy([_file("rt_timervictim.bpmn")])
    a = kapula.start_case("rt_timerpoison", {"summa": 0})
    b = kapula.start_case("rt_timervictim", {})
    assert a.next_timer_due == T0 + timedelta(seconds=1) and b.next_timer_due == T0 + timedelta(seconds=3)
    return a, b


def test_a_failing_timer_step_is_recorded_on_its_case_and_the_later_timer_of_another_case_fires(kapula, clock, poisoned):
    a, b = poisoned
    clock.advance(seconds=5)
    done = kapula.fire_due_timers_round()
    assert (done.moved, done.failed) == (1, (a.id,))
    assert [t.element_id for t in kapula.ready_tasks(case_id=b.id)] == ["u"], "B fires on time"

    failed = kapula.get_case(a.id)
    assert failed.status is CaseStatus.FAILED
    incident = failed.incident
    assert (incident.trigger, incident.element_id, incident.element_name) == ("timer", "sc", "Laske osuus")
    assert "division by zero" in incident.message and "Traceback" not in incident.message
    assert incident.describe().startswith("the timer step failed at 'Laske osuus' (sc): ")
    assert failed.data == {"summa": 0}, "nothing of the failed step is stored"
    assert [c.id for c in kapula.cases(status=CaseStatus.FAILED)] == [a.id]
    # the failed case leaves the round: it neither aborts it nor sorts first any more
    clock.advance(minutes=1)
    assert kapula.fire_due_timers_round().failed == ()
    assert len(_incident_rows(kapula, a.id)) == 1
    assert check_cases_ok(kapula, [a.id, b.id])


def check_cases_ok(kapula, ids: list[int]) -> bool:
    with kapula.sessions() as session:
        assert check_cases(SqlUnitOfWork(session), ids) == []
    return True


def test_a_retry_while_still_failing_keeps_one_incident_and_a_retry_with_fixed_data_goes_on(kapula, clock, poisoned):
    a, _b = poisoned
    clock.advance(seconds=5)
    kapula.fire_due_timers()
    clock.advance(minutes=1)
    with pytest.raises(CaseStepError, match=r"retry failed again.*'Laske osuus' \(sc\).*division by zero"):
        kapula.retry_case(a.id)
    (only,) = _incident_rows(kapula, a.id)
    assert only.resolved_at is None
    assert kapula.get_case(a.id).status is CaseStatus.FAILED

    with pytest.raises(InvalidDataError, match="nested more than"):
        kapula.retry_case(a.id, {"summa": _deep(40)})  # fixed data passes the same data limits

    clock.advance(minutes=1)
    moved = kapula.retry_case(a.id, {"summa": 4}, user="ops")
    assert moved.status is CaseStatus.RUNNING and moved.incident is None
    assert moved.data["osuus"] == 25.0
    assert [t.element_id for t in moved.ready_tasks] == ["u"]
    (resolved,) = _incident_rows(kapula, a.id)
    assert (resolved.resolved_at, resolved.resolved_by) == (T0 + timedelta(seconds=125), "ops")
    assert kapula.get_case(a.id).status is CaseStatus.RUNNING
    with pytest.raises(ConflictError, match="not failed"):
        kapula.retry_case(a.id)
    done = kapula.complete_task(moved.ready_tasks[0].id, {})
    assert done.status is CaseStatus.COMPLETED
    assert check_cases_ok(kapula, [a.id])


def _deep(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_a_failed_case_does_not_claim_to_wait_for_the_timer_that_failed(kapula, clock, poisoned):
    # its row keeps the timer (a retry runs that step again), but the case waits for a retry
    a, b = poisoned
    assert [e.name for e in kapula.get_case(a.id).waiting_for] == ["Odota"]
    clock.advance(seconds=5)
    kapula.fire_due_timers_round()
    failed = kapula.get_case(a.id)
    assert failed.status is CaseStatus.FAILED and failed.incident is not None
    assert (failed.next_timer_due, failed.waiting_for) == (None, ())
    (row,) = kapula.cases(status=CaseStatus.FAILED)
    assert (row.id, row.next_timer_due, row.waiting_for) == (a.id, None, ())
    fixed = kapula.retry_case(a.id, {"summa": 4})
    assert fixed.status is CaseStatus.RUNNING and [t.element_id for t in fixed.ready_tasks] == ["u"]


def test_two_failing_cases_among_ten_good_ones_all_good_ones_fire_in_the_same_round(kapula, clock):
    clock.set(T0)
    kapula.deploy([_file("rt_timerpoison.bpmn")])
    # the failing ones are due first, so they would sort first in every round
    bad = [kapula.start_case("rt_timerpoison", {"summa": 0}).id for _ in range(2)]
    clock.advance(seconds=1)
    good = [kapula.start_case("rt_timerpoison", {"summa": n}).id for n in range(1, 11)]
    clock.advance(seconds=10)
    done = kapula.fire_due_timers_round()
    assert (done.moved, sorted(done.failed)) == (10, sorted(bad))
    for case_id in good:
        assert [t.element_id for t in kapula.ready_tasks(case_id=case_id)] == ["u"]
    assert sorted(c.id for c in kapula.cases(status=CaseStatus.FAILED)) == sorted(bad)
    # a good case started after the failure fires in the next round although the failed ones are due earlier
    late = kapula.start_case("rt_timerpoison", {"summa": 5}).id
    clock.advance(seconds=2)
    assert kapula.fire_due_timers_round(limit=1).moved == 1
    assert [t.element_id for t in kapula.ready_tasks(case_id=late)] == ["u"]


def test_a_case_whose_stored_state_cannot_be_loaded_is_failed_and_the_round_goes_on(kapula, clock, poisoned):
    a, b = poisoned
    with kapula.sessions.begin() as session:
        session.execute(update(CaseRecord).where(CaseRecord.id == a.id).values(header_json="{not json"))
    kapula._store.cache.clear()
    clock.advance(seconds=5)
    done = kapula.fire_due_timers_round()
    assert (done.moved, done.failed) == (1, (a.id,))
    incident = kapula.get_case(a.id).incident
    assert incident.message.startswith("the stored case could not be loaded")
    assert incident.element_id is None


def test_a_failed_case_moved_to_a_fixed_version_goes_on_when_retried(kapula, clock, poisoned):
    a, _b = poisoned
    clock.advance(seconds=5)
    kapula.fire_due_timers()
    kapula.deploy([_file("rt_timerpoison.bpmn", ("osuus = 100 / summa", "osuus = 100 / summa if summa else 0"))])
    report = kapula.migrate_cases("rt_timerpoison", from_version=1, to_version=2)
    assert [c.case_id for c in report.cases if c.moved] == [a.id]
    assert kapula.get_case(a.id).status is CaseStatus.FAILED, "moved, still failed until retried"
    moved = kapula.retry_case(a.id)
    assert (moved.status, moved.version, moved.data["osuus"]) == (CaseStatus.RUNNING, 2, 0)


def test_a_failed_case_can_be_cancelled_and_its_incident_is_closed(kapula, clock, poisoned):
    a, _b = poisoned
    clock.advance(seconds=5)
    kapula.fire_due_timers()
    cancelled = kapula.cancel_case(a.id, user="ops")
    assert cancelled.status is CaseStatus.CANCELLED
    (row,) = _incident_rows(kapula, a.id)
    assert row.resolved_by == "ops"
    assert [e.lifecycle for e in kapula.history(a.id)][-1] is Lifecycle.CASE_CANCELLED


def test_incidents_are_counted_in_the_metrics(kapula, clock, poisoned):
    a, _b = poisoned
    clock.advance(seconds=5)
    kapula.fire_due_timers()
    counts = kapula.metrics("rt_timerpoison").cases
    assert (counts.failed, counts.incidents, counts.in_progress) == (1, 1, 0)
    kapula.retry_case(a.id, {"summa": 2})
    counts = kapula.metrics("rt_timerpoison").cases
    assert (counts.failed, counts.incidents, counts.in_progress) == (0, 1, 1)


@pytest.fixture
def people(kapula, clock) -> dict[str, Caller]:
    """Owners of two organisations, an advisor of the SEK lane, an administrator; rt_timerpoison owned by SEK."""
    clock.set(T0)
    d = Directory(kapula.sessions, kapula.clock)
    for org in ("SEK", "Novago"):
        d.add_organisation(org)
    d.add_user("sek.owner", "salasana-123", role=Role.PROCESS_OWNER, organisation="SEK")
    d.add_user("novago.owner", "salasana-123", role=Role.PROCESS_OWNER, organisation="Novago")
    d.add_user("sek.advisor", "salasana-123", role=Role.ADVISOR, organisation="SEK")
    d.map_lane("SEK", "SEK")
    d.add_user("admin", "salasana-123", role=Role.ADMINISTRATOR)
    kapula.deploy([_file("rt_timerpoison.bpmn")], caller=Caller(d.principal("admin")), owner="SEK")
    return {name: Caller(d.principal(name), origin="test") for name in ("sek.owner", "novago.owner", "sek.advisor", "admin")}


def test_only_the_owner_or_an_administrator_retries_and_refusals_are_logged(kapula, clock, people):
    a = kapula.start_case("rt_timerpoison", {"summa": 0}, caller=people["sek.owner"])
    clock.advance(seconds=5)
    kapula.fire_due_timers()
    for name in ("novago.owner", "sek.advisor"):
        with pytest.raises(AccessDeniedError):
            kapula.retry_case(a.id, {"summa": 1}, caller=people[name])
    assert kapula.get_case(a.id).status is CaseStatus.FAILED
    refused = kapula.access_log(refused=True)
    assert sorted((e.user, e.action, e.case_id) for e in refused) == [
        ("novago.owner", "retry", a.id),
        ("sek.advisor", "retry", a.id),
    ]
    moved = kapula.retry_case(a.id, {"summa": 1}, caller=people["sek.owner"])
    assert moved.status is CaseStatus.RUNNING
    done = [e for e in kapula.access_log() if e.action == "retry" and not e.refused]
    assert [(e.user, e.case_id) for e in done] == [("sek.owner", a.id)]


def test_a_timer_step_whose_message_fails_in_the_receiving_case_is_the_senders_incident_and_retries(kapula, clock):
    """Front office waits an hour, then sends 'application'; Back office, started by it, divides by summa.
    The failure of the whole step (nothing of it is stored, no Back office case) is recorded on the
    sender, naming no element of the sender's; a retry with fixed data starts the receiver."""
    clock.set(T0)
    kapula.deploy([_file("timer_message_pools.bpmn")])
    front = kapula.start_case("Front_office", {"summa": 0})
    clock.advance(hours=2)
    assert kapula.fire_due_timers_round().failed == (front.id,)
    incident = kapula.get_case(front.id).incident
    assert incident.element_id is None
    assert incident.message.startswith("a case its message went to failed: ")
    assert "'Compute share' (Script_share)" in incident.message and "division by zero" in incident.message
    assert [c.process_key for c in kapula.cases()] == ["Front_office"]
    moved = kapula.retry_case(front.id, {"summa": 4})
    assert [e.element_id for e in moved.waiting_for] == ["Catch_decision"]
    (back,) = kapula.cases(process_key="Back_office")
    assert back.data["osuus"] == 25.0 and [t.element_id for t in back.ready_tasks] == ["Task_decide"]


def test_the_tasks_of_a_failed_case_wait_off_the_lists_until_it_is_retried(kapula, clock):
    """A user task beside the failing timer branch: it can be neither claimed nor completed while the
    case is failed, so no list offers it; after the retry it is there again and the case goes on."""
    clock.set(T0)
    kapula.deploy([_file("timer_beside_task.bpmn")])
    case = kapula.start_case("timer_beside_task", {"summa": 0})
    (task,) = kapula.ready_tasks(case_id=case.id)
    clock.advance(seconds=5)
    assert kapula.fire_due_timers_round().failed == (case.id,)
    assert kapula.ready_tasks() == [] and kapula.ready_tasks(case_id=case.id) == []
    assert kapula.task_list(TaskQuery(), caller=Caller(operator("ops"))).total == 0
    with pytest.raises(ConflictError, match="failed"):
        kapula.complete_task(task.id, {})
    kapula.retry_case(case.id, {"summa": 5})
    assert [t.id for t in kapula.ready_tasks()] == [task.id]
    assert kapula.complete_task(task.id, {}).status is CaseStatus.COMPLETED


def _route_after(first: str) -> tuple[str, bytes]:
    """start → `first` (a PT1S timer or a user task) → gateway 'Route?' (Gw) with route == "A" / "B" → ends."""
    step = (
        '<bpmn:intermediateCatchEvent id="Wait" name="Odota"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        if first == "timer"
        else '<bpmn:userTask id="Wait" name="Käsittele"/>'
    )
    xml = f"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="Route_{first}" isExecutable="true">
    <bpmn:startEvent id="S"/>{step}
    <bpmn:exclusiveGateway id="Gw" name="Route?"/>
    <bpmn:endEvent id="EA"/><bpmn:endEvent id="EB"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Wait"/><bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="Gw"/>
    <bpmn:sequenceFlow id="fa" sourceRef="Gw" targetRef="EA"><bpmn:conditionExpression>route == "A"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fb" sourceRef="Gw" targetRef="EB"><bpmn:conditionExpression>route == "B"</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>"""
    return (f"route_{first}.bpmn", xml.encode())


def test_a_gateway_no_condition_matches_after_a_timer_is_an_incident_naming_it_with_no_traceback(kapula, clock, caplog):
    """Found by a tester: SpiffWorkflow's WorkflowException carries the gateway's spec, not a task,
    so the failure was taken for Kapula's own (a logged traceback on `kapula tick`) and named nothing."""
    kapula.deploy([_route_after("timer")])
    case = kapula.start_case("Route_timer", {"route": "C"})
    clock.advance(timedelta(seconds=5))
    kapula.fire_due_timers()
    failed = kapula.get_case(case.id)
    assert failed.status is CaseStatus.FAILED
    assert (failed.incident.element_id, failed.incident.element_name) == ("Gw", "Route?")
    assert "No conditions satisfied" in failed.incident.message
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


def test_a_gateway_no_condition_matches_on_completion_names_the_gateway_and_its_id(kapula):
    kapula.deploy([_route_after("task")])
    case = kapula.start_case("Route_task", {"route": "C"})
    with pytest.raises(CaseStepError, match=r"failed in 'Route\?' \(Gw\): No conditions satisfied"):
        kapula.complete_task(case.ready_tasks[0].id, {})
    assert kapula.get_case(case.id).status is CaseStatus.RUNNING
