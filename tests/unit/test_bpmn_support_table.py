"""docs/bpmn-support.md's table says what the loader really does: every BPMN flow node kind the
loader knows (engine.bpmn_xml.inspect.FLOW_NODE_TYPES) has a row, and a small diagram holding each
one loads as the row says (runs / documentation only / refused)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.bpmn_xml.inspect import FLOW_NODE_TYPES
from engine.errors import DiagramError
from engine.runtime.parser import load_files
from tests.conftest import FIXTURES

DOC = Path(__file__).resolve().parents[2] / "docs" / "bpmn-support.md"
STATUSES = ("runs", "documentation only", "documentation", "refused")


def table() -> dict[str, str]:
    """Element kind -> its status, from the rows of the table that name it in backticks."""
    status: dict[str, str] = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or cells[1] not in STATUSES:
            continue
        for name in re.findall(r"`([A-Za-z]+)`", cells[0]):
            status.setdefault(name, cells[1])
    return status


def test_every_flow_node_kind_the_loader_knows_has_a_row():
    assert sorted(FLOW_NODE_TYPES - set(table())) == []


# The element under test sits between a start and an end event; each builder gives its XML.
TIMER = '<bpmn:timerEventDefinition><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>'
INNER = (
    '<bpmn:startEvent id="In_s"><bpmn:outgoing>I1</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:userTask id="In_t" name="Inner"><bpmn:incoming>I1</bpmn:incoming><bpmn:outgoing>I2</bpmn:outgoing></bpmn:userTask>'
    '<bpmn:endEvent id="In_e"><bpmn:incoming>I2</bpmn:incoming></bpmn:endEvent>'
    '<bpmn:sequenceFlow id="I1" sourceRef="In_s" targetRef="In_t"/><bpmn:sequenceFlow id="I2" sourceRef="In_t" targetRef="In_e"/>'
)
IO = "<bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>"


def _gateway(kind: str, extra: str = "") -> str:
    """A split and its join of `kind`, with two branches through user tasks."""
    default = ' default="G2"' if kind in ("exclusiveGateway", "inclusiveGateway") else ""
    join = "parallelGateway" if kind == "eventBasedGateway" else kind
    if kind == "eventBasedGateway":
        targets = (
            '<bpmn:intermediateCatchEvent id="B1"><bpmn:incoming>G1</bpmn:incoming><bpmn:outgoing>G3</bpmn:outgoing>'
            f"{TIMER}</bpmn:intermediateCatchEvent>"
            '<bpmn:intermediateCatchEvent id="B2"><bpmn:incoming>G2</bpmn:incoming><bpmn:outgoing>G4</bpmn:outgoing>'
            f"{TIMER.replace('PT1H', 'PT2H')}</bpmn:intermediateCatchEvent>"
        )
        join, condition = "exclusiveGateway", ""
    else:
        targets = (
            '<bpmn:userTask id="B1" name="One"><bpmn:incoming>G1</bpmn:incoming><bpmn:outgoing>G3</bpmn:outgoing></bpmn:userTask>'
            '<bpmn:userTask id="B2" name="Two"><bpmn:incoming>G2</bpmn:incoming><bpmn:outgoing>G4</bpmn:outgoing></bpmn:userTask>'
        )
        condition = "<bpmn:conditionExpression>x == 1</bpmn:conditionExpression>" if default else ""
    return (
        f'<bpmn:{kind} id="X"{default}>{IO.replace("<bpmn:outgoing>F2</bpmn:outgoing>", "")}'
        "<bpmn:outgoing>G1</bpmn:outgoing><bpmn:outgoing>G2</bpmn:outgoing></bpmn:"
        + kind
        + ">"
        + targets
        + f'<bpmn:{join} id="J"><bpmn:incoming>G3</bpmn:incoming><bpmn:incoming>G4</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:{join}>'
        + f'<bpmn:sequenceFlow id="G1" sourceRef="X" targetRef="B1">{condition}</bpmn:sequenceFlow>'
        + '<bpmn:sequenceFlow id="G2" sourceRef="X" targetRef="B2"/><bpmn:sequenceFlow id="G3" sourceRef="B1" targetRef="J"/>'
        + '<bpmn:sequenceFlow id="G4" sourceRef="B2" targetRef="J"/>'
        + extra
    )


ELEMENTS: dict[str, str] = {
    "task": f'<bpmn:task id="X">{IO}</bpmn:task>',
    "userTask": f'<bpmn:userTask id="X" name="Do it">{IO}</bpmn:userTask>',
    "manualTask": f'<bpmn:manualTask id="X">{IO}</bpmn:manualTask>',
    "scriptTask": f'<bpmn:scriptTask id="X">{IO}<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>',
    "serviceTask": f'<bpmn:serviceTask id="X">{IO}</bpmn:serviceTask>',
    "businessRuleTask": (
        f'<bpmn:businessRuleTask id="X"><bpmn:extensionElements><spiffworkflow:calledDecisionId>d_unique'
        f"</spiffworkflow:calledDecisionId></bpmn:extensionElements>{IO}</bpmn:businessRuleTask>"
    ),
    "sendTask": f'<bpmn:sendTask id="X">{IO}</bpmn:sendTask>',
    "receiveTask": f'<bpmn:receiveTask id="X">{IO}</bpmn:receiveTask>',
    "callActivity": f'<bpmn:callActivity id="X" calledElement="Called">{IO}</bpmn:callActivity>',
    "subProcess": f'<bpmn:subProcess id="X">{IO}{INNER}</bpmn:subProcess>',
    "transaction": f'<bpmn:transaction id="X">{IO}{INNER}</bpmn:transaction>',
    "adHocSubProcess": f'<bpmn:adHocSubProcess id="X">{IO}<bpmn:userTask id="In_t" name="Inner"/></bpmn:adHocSubProcess>',
    "intermediateThrowEvent": f'<bpmn:intermediateThrowEvent id="X">{IO}</bpmn:intermediateThrowEvent>',
    "intermediateCatchEvent": f'<bpmn:intermediateCatchEvent id="X">{IO}{TIMER}</bpmn:intermediateCatchEvent>',
    "boundaryEvent": (
        f'<bpmn:userTask id="X" name="Do it">{IO}</bpmn:userTask>'
        f'<bpmn:boundaryEvent id="Bd" attachedToRef="X"><bpmn:outgoing>F9</bpmn:outgoing>{TIMER}</bpmn:boundaryEvent>'
        '<bpmn:endEvent id="E9"><bpmn:incoming>F9</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="F9" sourceRef="Bd" targetRef="E9"/>'
    ),
    **{
        kind: _gateway(kind)
        for kind in ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
    },
}
# the start and end events are in every diagram above: their rows are checked with the userTask one
IN_EVERY_DIAGRAM = {"startEvent", "endEvent"}
# how the table reads when a diagram holding the element loads
EXPECTED = {"runs": "runs", "documentation only": "documentation only", "documentation": "runs", "refused": "refused"}


def _diagram(element: str) -> bytes:
    last = "J" if 'id="J"' in element else "X"  # a split's branches meet at its join
    called = (
        (
            '<bpmn:process id="Called" isExecutable="true"><bpmn:startEvent id="C_s"><bpmn:outgoing>C1</bpmn:outgoing></bpmn:startEvent>'
            '<bpmn:endEvent id="C_e"><bpmn:incoming>C1</bpmn:incoming></bpmn:endEvent>'
            '<bpmn:sequenceFlow id="C1" sourceRef="C_s" targetRef="C_e"/></bpmn:process>'
        )
        if 'calledElement="Called"' in element
        else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="urn:t">'
        '<bpmn:process id="P" isExecutable="true">'
        '<bpmn:startEvent id="S"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>'
        f"{element}"
        '<bpmn:endEvent id="E"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>'
        f'<bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="X"/><bpmn:sequenceFlow id="F2" sourceRef="{last}" targetRef="E"/>'
        f"</bpmn:process>{called}</bpmn:definitions>"
    ).encode()


def loads_as(content: bytes) -> str:
    extra = [("d_unique.dmn", (FIXTURES / "dmn" / "d_unique.dmn").read_bytes())] if b"calledDecisionId" in content else []
    try:
        loaded = load_files([("element.bpmn", content), *extra])
    except DiagramError:
        return "refused"
    main = next(p for p in loaded if p.key == "P")
    return "runs" if main.runnable else "documentation only"


def test_every_kind_with_a_row_is_built_here():
    assert sorted(FLOW_NODE_TYPES - set(ELEMENTS) - IN_EVERY_DIAGRAM) == []


@pytest.mark.parametrize("kind", sorted(ELEMENTS))
def test_a_diagram_with_the_element_loads_as_the_table_says(kind):
    content = _diagram(ELEMENTS[kind])
    assert loads_as(content) == EXPECTED[table()[kind]], content.decode()


@pytest.mark.parametrize("kind", sorted(IN_EVERY_DIAGRAM))
def test_start_and_end_events_run(kind):
    assert EXPECTED[table()[kind]] == "runs" == loads_as(_diagram(ELEMENTS["userTask"]))


SIGNAL_ROOT = '<bpmn:signal id="Sig" name="alarm"/>'
DEFINITIONS = {
    "signalEventDefinition": '<bpmn:signalEventDefinition signalRef="Sig"/>',
    "conditionalEventDefinition": (
        "<bpmn:conditionalEventDefinition><bpmn:condition>x == 1</bpmn:condition></bpmn:conditionalEventDefinition>"
    ),
}


@pytest.mark.parametrize("definition", sorted(DEFINITIONS))
def test_a_catch_event_with_the_definition_loads_as_the_table_says(definition):
    element = f'<bpmn:intermediateCatchEvent id="X">{IO}{DEFINITIONS[definition]}</bpmn:intermediateCatchEvent>'
    content = _diagram(element).replace(b'<bpmn:process id="P"', SIGNAL_ROOT.encode() + b'<bpmn:process id="P"')
    assert loads_as(content) == EXPECTED[table()[definition]], content.decode()


def test_an_undefined_signal_makes_the_version_documentation_only():
    element = f'<bpmn:intermediateCatchEvent id="X">{IO}{DEFINITIONS["signalEventDefinition"]}</bpmn:intermediateCatchEvent>'
    assert loads_as(_diagram(element)) == "documentation only"  # the table's row: a signalRef to nothing
