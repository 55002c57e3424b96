"""Messages without a name (BPMN 2.0 §8.4.10: the name is optional, the id identifies the message):
Kapula addresses them by their id, between pools and from outside (engine.bpmn_xml.tolerance.name_messages)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidDataError
from engine.model import WaitingEvent
from tests.conftest import BPMN, FIXTURES

FRONT, BACK = "Front_office", "Back_office"
RECEIVE_ORDER = "__fd16081c-ecf9-4e0f-857f-f3404a7ee784"  # C.2.0's message start of 'Amazon'
ORDER = "Message_1404332496321"  # the message it receives, which has only an id


def test_a_c20_case_waits_at_its_message_start_for_the_message_s_id_and_takes_it_from_outside(kapula):
    result = kapula.deploy([("C.2.0.bpmn", (FIXTURES / "miwg" / "C.2.0.bpmn").read_bytes())])
    assert [v.key for v in result.versions if not v.issues] == ["WFP-Page_1-1", "WFP-Page_1-2", "WFP-Page_1-4"]
    # a start by the API or the command line waits at the message start, named by the message's id
    case = kapula.start_case("WFP-Page_1-4")
    assert case.waiting_for == (WaitingEvent(RECEIVE_ORDER, "Receive Order", "message", message=ORDER),)
    with pytest.raises(InvalidDataError) as err:
        kapula.send_message("Receive Order", case_id=case.id, data={})
    assert f"the messages it receives: '{ORDER}' at 'Receive Order' ({RECEIVE_ORDER})" in str(err.value)
    after = kapula.send_message(ORDER, case_id=case.id, data={"order": 1})
    assert after.waiting_for == () and [t.name for t in after.ready_tasks] == ["Pick items"]
    assert after.data == {"order": 1}


def _unnamed(camunda: bool) -> bytes:
    text = (
        (BPMN / "two_pools.bpmn")
        .read_text()
        .replace('<bpmn:message id="Msg_application" name="application" />', '<bpmn:message id="Msg_application" />')
        .replace('<bpmn:message id="Msg_decision" name="decision" />', '<bpmn:message id="Msg_decision" name=" " />')
    )
    if camunda:
        text = text.replace(
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
            'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        ).replace('isExecutable="true">', 'isExecutable="true" camunda:versionTag="1">', 1)
    assert 'name="application"' not in text and 'name="decision"' not in text
    return text.encode()


@pytest.mark.parametrize("camunda", [False, True], ids=["SpiffWorkflow dialect", "Camunda dialect"])
def test_messages_with_only_an_id_go_between_pools_by_their_id(kapula, camunda):
    kapula.deploy([("two_pools_unnamed.bpmn", _unnamed(camunda))])
    front = kapula.start_case(FRONT)
    front = kapula.complete_task(front.ready_tasks[0].id, {"applicant": "Ann"})
    assert [e.message for e in front.waiting_for] == ["Msg_decision"]
    (back,) = kapula.cases(process_key=BACK)  # started by 'Msg_application' at its message start
    assert back.data == {"applicant": "Ann"} and [t.name for t in back.ready_tasks] == ["Decide"]
    kapula.complete_task(back.ready_tasks[0].id, {"approved": True})
    front = kapula.get_case(front.id)
    assert front.data == {"applicant": "Ann", "approved": True} and [t.name for t in front.ready_tasks] == ["Tell customer"]


_RECEIVE = (
    '<bpmn:receiveTask id="Task_wait_payment" name="Payment received" messageRef="Msg_payment">'
    "<bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing></bpmn:receiveTask>"
)


def _catch_without_message_ref(name: str) -> bytes:
    text = (BPMN / "receive_payment.bpmn").read_text()
    assert _RECEIVE in text
    catch = (
        f'<bpmn:intermediateCatchEvent id="Task_wait_payment"{name}><bpmn:incoming>F2</bpmn:incoming>'
        '<bpmn:outgoing>F3</bpmn:outgoing><bpmn:messageEventDefinition id="MED_x" /></bpmn:intermediateCatchEvent>'
    )
    return text.replace(_RECEIVE, catch).encode()


def test_a_message_event_that_names_no_message_is_documentation_only_naming_the_element_and_line(kapula):
    # it waited for message None, and a message of a wrong name to its case was a 500 (None and text sorted)
    result = kapula.deploy([("no_ref.bpmn", _catch_without_message_ref(""))])
    (version,) = result.versions
    (issue,) = version.issues
    assert (issue.element_id, issue.file, issue.line) == ("Task_wait_payment", "no_ref.bpmn", 16)
    assert issue.message.startswith("Event 'Task_wait_payment' has a message event that names no message")
    # with a name, SpiffWorkflow names the message after the event: it runs
    named = kapula.deploy([("named.bpmn", _catch_without_message_ref(' name="paid"'))])
    assert named.versions[0].issues == ()
    case = kapula.start_case("Invoice_payment")
    case = kapula.complete_task(case.ready_tasks[0].id, {})
    assert [e.message for e in case.waiting_for] == ["paid"]
