"""BPMN's implicit end (section 13.2.1): a flow node without an outgoing sequence flow ends its
token there. Other examples of the kind of ../shared/cases/import/implicit-end, found by a tester:
a case whose only path ends at a task, a gateway branch or a script, or an embedded subprocess
without an end event, stayed "running" with nothing to wait for, or was refused."""

from __future__ import annotations

import pytest

from engine.model import CaseStatus

HEAD = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">'


def _diagram(key: str, body: str) -> tuple[str, bytes]:
    return (
        f"{key}.bpmn",
        f'{HEAD}<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'.encode(),
    )


TASK_ONLY = (
    '<bpmn:startEvent id="S"/><bpmn:userTask id="T" name="Käsittele"/><bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/>'
)
SCRIPT_LAST = (
    '<bpmn:startEvent id="S"/><bpmn:userTask id="T" name="Käsittele"/>'
    '<bpmn:scriptTask id="Sc" name="Merkitse"><bpmn:script>done = True</bpmn:script></bpmn:scriptTask>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/><bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="Sc"/>'
)
BRANCH = (
    '<bpmn:startEvent id="S"/><bpmn:userTask id="T" name="Käsittele"/>'
    '<bpmn:exclusiveGateway id="G" name="Iso?" default="small"/><bpmn:userTask id="Big" name="Iso työ"/>'
    '<bpmn:endEvent id="E"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="T"/><bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="G"/>'
    '<bpmn:sequenceFlow id="big" sourceRef="G" targetRef="Big"><bpmn:conditionExpression>amount &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>'
    '<bpmn:sequenceFlow id="small" sourceRef="G" targetRef="E"/>'
)
SUBPROCESS = (
    '<bpmn:startEvent id="S"/><bpmn:subProcess id="Sub" name="Alaprosessi">'
    '<bpmn:startEvent id="SS"/><bpmn:userTask id="Inner" name="Sisällä"/>'
    '<bpmn:sequenceFlow id="s1" sourceRef="SS" targetRef="Inner"/></bpmn:subProcess>'
    '<bpmn:userTask id="After" name="Lopuksi"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Sub"/><bpmn:sequenceFlow id="f2" sourceRef="Sub" targetRef="After"/>'
)


@pytest.mark.parametrize(
    "key, body, data, tasks",
    [
        ("Task_only", TASK_ONLY, {}, ["T"]),
        ("Script_last", SCRIPT_LAST, {}, ["T"]),
        ("Branch_big", BRANCH, {"amount": 50}, ["T", "Big"]),
        ("Subprocess", SUBPROCESS, {}, ["Inner", "After"]),
    ],
)
def test_a_path_that_ends_without_an_end_event_completes_the_case(kapula, key, body, data, tasks) -> None:
    (version,) = kapula.deploy([_diagram(key, body)]).versions
    assert version.runnable, version.issues
    case = kapula.start_case(key, data)
    for element in tasks:
        (task,) = case.ready_tasks
        assert task.element_id == element
        case = kapula.complete_task(task.id, data)
    assert case.status is CaseStatus.COMPLETED and case.ready_tasks == ()
    if key == "Script_last":
        assert case.data["done"] is True


def test_the_stored_file_keeps_what_was_drawn(kapula) -> None:
    """The end event is added on Kapula's parsed copy only (engine/bpmn_xml/tolerance.py)."""
    kapula.deploy([_diagram("Task_only", TASK_ONLY)])
    assert "__implicit_end" not in kapula.version_source("Task_only", 1)["Task_only.bpmn"]
