"""Messages between the executable pools of one collaboration, and messages sent to a waiting case
from outside (../shared/cases/engine/messages-between-pools: "Front office" throws "application"
and waits for "decision"; "Back office" starts on "application" and ends throwing "decision")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import history
from engine.errors import CaseStepError, ConflictError, InvalidDataError, NotFoundError
from engine.metrics.report import handoff_list
from engine.metrics.types import MetricsFilter
from engine.model import CaseStatus, Lifecycle, WaitingEvent
from engine.persistence.database import make_engine
from engine.persistence.tables import CaseCorrelationRecord, CaseRecord
from engine.spans.store import rebuild_spans
from tests.conftest import BPMN, read

FRONT, BACK = "Front_office", "Back_office"


def _applied(kapula, data=None):
    kapula.deploy([read("two_pools.bpmn")])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, data or {"applicant": "Ann"}, user="anna")
    (back,) = kapula.cases(process_key=BACK)
    return front, back


def _kinds(kapula, case_id):
    return [(e.lifecycle.value, e.element_id) for e in kapula.history(case_id)]


def test_fill_in_application_starts_a_back_office_case_at_decide_in_the_same_conversation(kapula, database_url):
    front, back = _applied(kapula)
    assert front.ready_tasks == ()
    assert front.waiting_for == (WaitingEvent("Catch_decision", "Decision received", "message", message="decision"),)
    assert [t.name for t in back.ready_tasks] == ["Decide"]
    assert back.data == {"applicant": "Ann"}  # a plain BPMN message carries the sender's data
    engine = make_engine(database_url)
    with engine.connect() as conn:
        conversations = dict(conn.execute(select(CaseRecord.id, CaseRecord.conversation_id)).all())
    engine.dispose()
    assert conversations[front.id] == conversations[back.id] is not None
    sent = [e for e in kapula.history(front.id) if e.lifecycle is Lifecycle.MESSAGE_SENT]
    assert [(e.element_id, e.element_name, e.changed) for e in sent] == [
        ("Throw_app", "Send application", {"message": "application", "to_cases": [back.id], "to": ["Back office"]})
    ]
    assert _kinds(kapula, back.id) == [
        ("case_started", None),
        ("task_ready", "Start_back"),
        ("task_completed", "Start_back"),
        ("message_received", "Start_back"),
        ("task_ready", "Task_decide"),
    ]


def test_the_back_office_end_resumes_the_front_case_at_tell_customer(kapula):
    front, back = _applied(kapula)
    done = kapula.complete_task(back.ready_tasks[0].id, {"approved": True}, user="bob")
    assert done.status is CaseStatus.COMPLETED
    front = kapula.get_case(front.id)
    assert [t.name for t in front.ready_tasks] == ["Tell customer"]
    assert front.data == {"applicant": "Ann", "approved": True} and front.waiting_for == ()
    received = [e for e in kapula.history(front.id) if e.lifecycle is Lifecycle.MESSAGE_RECEIVED]
    assert [(e.element_id, e.changed["from_case"], e.changed["from_lane"]) for e in received] == [
        ("Catch_decision", back.id, "Back office")
    ]
    assert ("message_sent", "End_back") in _kinds(kapula, back.id)
    assert _kinds(kapula, back.id)[-1] == ("case_completed", None)
    kapula.complete_task(front.ready_tasks[0].id, {})
    assert kapula.get_case(front.id).status is CaseStatus.COMPLETED


def test_each_delivery_is_a_handoff_between_the_lanes_in_history_and_metrics(kapula, database_url):
    front, back = _applied(kapula)
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    pairs = {FRONT: [("Back office", "Front office", "Task_tell")], BACK: [("Front office", "Back office", "Task_decide")]}
    for key, case_id in ((FRONT, front.id), (BACK, back.id)):
        assert [(h.from_lane, h.to_lane, h.element_id) for h in history.handoffs(kapula.history(case_id))] == pairs[key]
        assert [(c.from_lane, c.to_lane, c.count) for c in kapula.metrics(key).handoffs] == [(*pairs[key][0][:2], 1)]
    engine = make_engine(database_url)
    with engine.begin() as conn:
        before = {k: handoff_list(conn, MetricsFilter(k)) for k in (FRONT, BACK)}
        rebuild_spans(conn)
        assert {k: handoff_list(conn, MetricsFilter(k)) for k in (FRONT, BACK)} == before
    engine.dispose()


def test_a_waiting_front_case_is_resumed_after_a_restart(open_engine):
    first = open_engine()
    front, back = _applied(first)
    first.close()
    second = open_engine()
    second.complete_task(back.ready_tasks[0].id, {"approved": False})
    assert [t.name for t in second.get_case(front.id).ready_tasks] == ["Tell customer"]


def test_a_message_nobody_waits_for_is_kept_and_the_sender_goes_on(kapula):
    # the front case was cancelled: nobody will ever wait, and the message expires where it is kept
    # (tests/integration/test_message_buffer.py); before buffering this step failed
    front, back = _applied(kapula)
    kapula.cancel_case(front.id)
    done = kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    assert done.status is CaseStatus.COMPLETED
    (sent,) = [e for e in kapula.history(back.id) if e.lifecycle is Lifecycle.MESSAGE_SENT]
    assert sent.changed["to_cases"] == [] and "kept_until" in sent.changed


def test_without_keeping_messages_one_nobody_waits_for_fails_the_step_naming_the_element_and_changes_nothing(open_engine):
    kapula = open_engine(message_ttl=timedelta(0))
    front, back = _applied(kapula)
    kapula.cancel_case(front.id)
    before = kapula.history(back.id)
    with pytest.raises(CaseStepError) as err:
        kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    message = str(err.value)
    assert "'Send decision' (End_back)" in message and "'Decision received' (Catch_decision)" in message
    assert "'Front office'" in message and "decision" in message
    assert kapula.history(back.id) == before
    assert [t.name for t in kapula.get_case(back.id).ready_tasks] == ["Decide"]


def test_a_message_for_a_pool_whose_version_is_documentation_only_is_a_clear_error(kapula):
    kapula.deploy([read("two_pools.bpmn")])
    broken = (
        (BPMN / "two_pools.bpmn")
        .read_text()
        .replace('<bpmn:userTask id="Task_decide" name="Decide">', '<bpmn:complexGateway id="Task_decide" name="Decide">')
        .replace('</bpmn:userTask>\n    <bpmn:endEvent id="End_back"', '</bpmn:complexGateway>\n    <bpmn:endEvent id="End_back"')
    )
    result = kapula.deploy([("two_pools.bpmn", broken.encode())])
    assert {v.key: v.runnable for v in result.versions}[BACK] is False
    front = kapula.start_case(FRONT)
    with pytest.raises(CaseStepError, match=r"'Send application' \(Throw_app\).*'Back office'.*documentation only"):
        kapula.complete_task(front.ready_tasks[0].id, {})
    assert kapula.cases(process_key=BACK) == []
    assert [t.name for t in kapula.get_case(front.id).ready_tasks] == ["Fill in application"]


def test_correlation_keys_route_the_message_and_find_the_case_from_outside(kapula):
    kapula.deploy([read("two_pools_correlated.bpmn")])
    a, b = kapula.start_case(FRONT), kapula.start_case(FRONT)
    kapula.complete_task(a.ready_tasks[0].id, {"application_id": "A-1"})
    kapula.complete_task(b.ready_tasks[0].id, {"application_id": "B-2"})
    back = {c.data["application_id"]: c for c in kapula.cases(process_key=BACK)}
    kapula.complete_task(back["A-1"].ready_tasks[0].id, {"approved": True})
    assert [t.name for t in kapula.get_case(a.id).ready_tasks] == ["Tell customer"]
    assert kapula.get_case(b.id).ready_tasks == ()
    resumed = kapula.send_message("decision", correlation={"application": "B-2"}, data={"approved": False})
    assert resumed.id == b.id and [t.name for t in resumed.ready_tasks] == ["Tell customer"]
    with pytest.raises(NotFoundError, match="C-3"):
        kapula.send_message("decision", correlation={"application": {"Prop_application_id": "C-3"}}, data={})


def test_a_receive_task_is_resumed_from_outside_with_the_message_data(kapula):
    kapula.deploy([read("receive_payment.bpmn")])
    case = kapula.start_case("Invoice_payment")
    case = kapula.complete_task(case.ready_tasks[0].id, {"invoice": "INV-7"})
    assert case.waiting_for == (WaitingEvent("Task_wait_payment", "Payment received", "message", message="payment"),)
    assert "Payment received (message 'payment')" in case.waiting_for[0].describe()
    after = kapula.send_message("payment", case_id=case.id, data={"amount": 120}, user="bank")
    assert [t.name for t in after.ready_tasks] == ["Book payment"]
    assert after.data == {"invoice": "INV-7", "amount": 120}
    (received,) = [e for e in kapula.history(case.id) if e.lifecycle is Lifecycle.MESSAGE_RECEIVED]
    assert received.element_id == "Task_wait_payment" and received.changed["sent_by"] == "bank"
    # a message from outside is no lane's work: Billing -> Accounts is the only handoff
    assert [(h.from_lane, h.to_lane) for h in history.handoffs(kapula.history(case.id))] == [("Billing", "Accounts")]


def test_a_message_to_a_case_that_does_not_wait_for_it_is_a_clear_error_and_changes_nothing(kapula):
    kapula.deploy([read("receive_payment.bpmn")])
    case = kapula.start_case("Invoice_payment")
    before = kapula.history(case.id)
    with pytest.raises(ConflictError) as err:
        kapula.send_message("payment", case_id=case.id, data={"amount": 1})
    assert "'Payment received' (Task_wait_payment)" in str(err.value) and "'Send invoice'" in str(err.value)
    with pytest.raises(InvalidDataError, match=r"no element that receives message 'refund'.*'payment' at 'Payment received'"):
        kapula.send_message("refund", case_id=case.id, data={})
    with pytest.raises(NotFoundError):
        kapula.send_message("payment", case_id=case.id + 100, data={})
    with pytest.raises(InvalidDataError, match="case id or its correlation"):
        kapula.send_message("payment", data={})
    with pytest.raises(InvalidDataError):
        kapula.send_message("payment", case_id=case.id, data={"x": "y" * 2_000_000})  # the data limits
    assert kapula.history(case.id) == before


def test_a_message_to_a_finished_case_is_a_conflict(kapula):
    front, back = _applied(kapula)
    kapula.complete_task(back.ready_tasks[0].id, {})
    with pytest.raises(ConflictError, match="completed"):
        kapula.send_message("application", case_id=back.id, data={})


def test_erasing_personal_data_erases_the_case_s_correlation_values_too(kapula, database_url):
    kapula.deploy([read("two_pools_correlated.bpmn")])
    front = kapula.start_case(FRONT)
    kapula.complete_task(front.ready_tasks[0].id, {"application_id": "Ann-1970"})
    kapula.erase_personal_data(front.id, fields=["application_id"], by="admin")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        values = dict(conn.execute(select(CaseCorrelationRecord.case_id, CaseCorrelationRecord.value)).all())
    engine.dispose()
    assert "Ann-1970" not in values[front.id]
    assert "Ann-1970" in values[front.id + 1]  # the back office case is another case, erased on its own request


def test_a_message_from_outside_wins_an_event_based_gateway_and_withdraws_the_timer(kapula, clock):
    kapula.deploy([read("quote_answer.bpmn")])
    case = kapula.start_case("Quote_answer")
    case = kapula.complete_task(case.ready_tasks[0].id, {})
    assert [(e.element_id, e.kind, e.message) for e in case.waiting_for] == [
        ("Catch_answer", "message", "answer"),
        ("Timer_silence", "timer", None),
    ]
    after = kapula.send_message("answer", case_id=case.id, data={"accepted": True})
    assert [t.name for t in after.ready_tasks] == ["Handle answer"]
    assert after.waiting_for == () and after.next_timer_due is None and after.data["accepted"] is True
    clock.advance(hours=2)
    assert kapula.fire_due_timers() == 0


def test_a_boundary_message_interrupts_the_task_it_is_attached_to(kapula):
    kapula.deploy([read("quote_answer.bpmn")])
    case = kapula.start_case("Quote_answer")
    assert [(e.element_id, e.message) for e in case.waiting_for] == [("Boundary_withdraw", "withdraw")]
    after = kapula.send_message("withdraw", case_id=case.id, data={})
    assert [t.name for t in after.ready_tasks] == ["Close withdrawn"]
    (received,) = [e for e in kapula.history(case.id) if e.lifecycle is Lifecycle.MESSAGE_RECEIVED]
    assert received.element_id == "Boundary_withdraw"
    assert ("task_cancelled", "Task_quote") in _kinds(kapula, case.id)


def test_a_message_flow_into_a_pool_without_a_process_leaves_kapula(kapula):
    text = (BPMN / "two_pools.bpmn").read_text()
    text = text.replace(
        '<bpmn:participant id="P_back"', '<bpmn:participant id="P_customer" name="Customer" />\n    <bpmn:participant id="P_back"'
    )
    text = text.replace('sourceRef="Throw_app" targetRef="Start_back"', 'sourceRef="Throw_app" targetRef="P_customer"')
    kapula.deploy([("two_pools_customer.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {})
    assert kapula.cases(process_key=BACK) == []
    (sent,) = [e for e in kapula.history(front.id) if e.lifecycle is Lifecycle.MESSAGE_SENT]
    assert sent.changed == {"message": "application", "to_cases": [], "to": ["Customer"]}


def test_work_that_follows_a_message_in_a_later_step_is_still_the_sender_s_handoff(kapula, clock):
    text = (
        (BPMN / "two_pools.bpmn")
        .read_text()
        .replace(
            '<bpmn:sequenceFlow id="A4" sourceRef="Catch_decision" targetRef="Task_tell" />',
            '<bpmn:sequenceFlow id="A4" sourceRef="Catch_decision" targetRef="Timer_wait" />'
            '<bpmn:intermediateCatchEvent id="Timer_wait" name="Wait a day"><bpmn:incoming>A4</bpmn:incoming>'
            '<bpmn:outgoing>A6</bpmn:outgoing><bpmn:timerEventDefinition id="TED_wait"><bpmn:timeDuration>P1D</bpmn:timeDuration>'
            "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            '<bpmn:sequenceFlow id="A6" sourceRef="Timer_wait" targetRef="Task_tell" />',
        )
        .replace(
            "<bpmn:incoming>A4</bpmn:incoming><bpmn:outgoing>A5</bpmn:outgoing></bpmn:userTask>",
            "<bpmn:incoming>A6</bpmn:incoming><bpmn:outgoing>A5</bpmn:outgoing></bpmn:userTask>",
        )
    )
    kapula.deploy([("two_pools_timer.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    kapula.complete_task(front.ready_tasks[0].id, {})
    (back,) = kapula.cases(process_key=BACK)
    kapula.complete_task(back.ready_tasks[0].id, {})
    assert kapula.get_case(front.id).ready_tasks == ()
    clock.advance(days=2)
    assert kapula.fire_due_timers() == 1
    assert [t.name for t in kapula.get_case(front.id).ready_tasks] == ["Tell customer"]
    expected = [("Back office", "Front office", "Task_tell")]
    assert [(h.from_lane, h.to_lane, h.element_id) for h in history.handoffs(kapula.history(front.id))] == expected
    assert [(c.from_lane, c.to_lane, c.count) for c in kapula.metrics(FRONT).handoffs] == [("Back office", "Front office", 1)]


def _send_task(text: str) -> str:
    return text.replace(
        '<bpmn:intermediateThrowEvent id="Throw_app" name="Send application"><bpmn:incoming>A2</bpmn:incoming>'
        '<bpmn:outgoing>A3</bpmn:outgoing><bpmn:messageEventDefinition id="MED1" messageRef="Msg_application" />'
        "</bpmn:intermediateThrowEvent>",
        '<bpmn:sendTask id="Throw_app" name="Send application" messageRef="Msg_application"><bpmn:incoming>A2</bpmn:incoming>'
        "<bpmn:outgoing>A3</bpmn:outgoing></bpmn:sendTask>",
    )


def _camunda(text: str) -> str:
    return text.replace(
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    ).replace(
        '<bpmn:process id="Front_office" name="Front office" isExecutable="true">',
        '<bpmn:process id="Front_office" name="Front office" isExecutable="true" camunda:versionTag="1">',
    )


@pytest.mark.parametrize("variant", [_send_task, _camunda], ids=["send task", "Camunda dialect"])
def test_a_send_task_and_a_camunda_diagram_pass_the_same_messages(kapula, variant):
    text = variant((BPMN / "two_pools.bpmn").read_text())
    assert text != (BPMN / "two_pools.bpmn").read_text()
    kapula.deploy([("variant.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"})
    (back,) = kapula.cases(process_key=BACK)
    assert back.data == {"applicant": "Ann"} and [t.name for t in back.ready_tasks] == ["Decide"]
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    front = kapula.get_case(front.id)
    assert front.data == {"applicant": "Ann", "approved": True} and [t.name for t in front.ready_tasks] == ["Tell customer"]


def test_a_payload_expression_sends_its_value_and_a_value_that_is_no_record_keeps_the_message_s_name(kapula):
    spiff = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
    text = (
        (BPMN / "two_pools.bpmn")
        .read_text()
        .replace(
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
            f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {spiff}',
        )
        .replace(
            '<bpmn:messageEventDefinition id="MED1" messageRef="Msg_application" />',
            '<bpmn:messageEventDefinition id="MED1" messageRef="Msg_application"><bpmn:extensionElements>'
            "<spiffworkflow:messagePayload>applicant</spiffworkflow:messagePayload></bpmn:extensionElements>"
            "</bpmn:messageEventDefinition>",
        )
        .replace(
            '<bpmn:messageEventDefinition id="MED4" messageRef="Msg_decision" />',
            '<bpmn:messageEventDefinition id="MED4" messageRef="Msg_decision"><bpmn:extensionElements>'
            '<spiffworkflow:messagePayload>{"approved": approved}</spiffworkflow:messagePayload></bpmn:extensionElements>'
            "</bpmn:messageEventDefinition>",
        )
    )
    kapula.deploy([("two_pools_payload.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann", "secret": "x"})
    (back,) = kapula.cases(process_key=BACK)
    assert back.data == {"application": "Ann"}  # only the payload, under the message's name
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True, "internal": "y"})
    assert kapula.get_case(front.id).data == {"applicant": "Ann", "secret": "x", "approved": True}


def test_a_message_name_with_finnish_letters_finds_its_waiting_case(kapula):
    text = (BPMN / "two_pools.bpmn").read_text().replace('name="decision"', 'name="päätös 100%_x"')
    kapula.deploy([("two_pools_fi.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {})
    assert [e.message for e in front.waiting_for] == ["päätös 100%_x"]
    (back,) = kapula.cases(process_key=BACK)
    kapula.complete_task(back.ready_tasks[0].id, {})
    assert [t.name for t in kapula.get_case(front.id).ready_tasks] == ["Tell customer"]


def test_a_message_no_pool_of_the_collaboration_receives_is_a_clear_error(kapula):
    text = (
        (BPMN / "two_pools.bpmn")
        .read_text()
        .replace('<bpmn:messageFlow id="MF1" sourceRef="Throw_app" targetRef="Start_back" />', "")
        .replace(
            '<bpmn:message id="Msg_application" name="application" />',
            '<bpmn:message id="Msg_application" name="application" /><bpmn:message id="Msg_typo" name="aplication" />',
        )
        .replace(
            '<bpmn:messageEventDefinition id="MED1" messageRef="Msg_application" />',
            '<bpmn:messageEventDefinition id="MED1" messageRef="Msg_typo" />',
        )
    )
    kapula.deploy([("two_pools_typo.bpmn", text.encode())])
    front = kapula.start_case(FRONT)
    with pytest.raises(CaseStepError, match=r"'Send application' \(Throw_app\).*no other pool.*'aplication'.*'Back office'"):
        kapula.complete_task(front.ready_tasks[0].id, {})
    assert kapula.cases(process_key=BACK) == []


def test_messages_bouncing_between_pools_forever_stop_with_a_clear_error(kapula):
    kapula.deploy([read("ping_pong.bpmn")])
    case = kapula.start_case("Ping")
    with pytest.raises(CaseStepError, match=r"back and forth between pools more than 100 times"):
        kapula.complete_task(case.ready_tasks[0].id, {})
    assert kapula.cases(process_key="Pong") == []
    assert [t.name for t in kapula.get_case(case.id).ready_tasks] == ["Begin"]


def test_a_message_s_data_is_held_to_the_form_of_the_element_the_case_waits_at(kapula):
    """Two called processes start on the same message 'documents', each with its own form: the data
    sent to the case is checked against the form of the one it waits at now, not another's."""
    kapula.deploy([read(n) for n in ("two_message_forms.bpmn", "two_message_forms_first.json", "two_message_forms_second.json")])
    case = kapula.start_case("Two_receivers")
    assert [e.element_id for e in case.waiting_for] == ["Start_first"]
    with pytest.raises(InvalidDataError) as refused:
        kapula.send_message("documents", case_id=case.id, data={"note": "late"})
    assert refused.value.field_errors == {"pages": "is required", "note": "is not a field of this form"}
    case = kapula.send_message("documents", case_id=case.id, data={"pages": 3})
    assert [e.element_id for e in case.waiting_for] == ["Start_second"] and case.data == {"pages": 3}
    with pytest.raises(InvalidDataError) as refused:
        kapula.send_message("documents", case_id=case.id, data={"pages": 4})
    assert refused.value.field_errors == {"note": "is required", "pages": "is not a field of this form"}
    assert kapula.get_case(case.id).data == {"pages": 3}
    case = kapula.send_message("documents", case_id=case.id, data={"note": "signed"})
    assert case.status is CaseStatus.COMPLETED and case.data == {"pages": 3, "note": "signed"}
