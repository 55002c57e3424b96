"""engine.runtime.messages.catchers on a version whose message catch has no name: deployed before
uploads named such messages by their id (82f20de), it made asking for any other name a TypeError."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import InvalidDataError
from engine.runtime.messages import catchers
from engine.services.messages import _receivers

UNNAMED_BESIDE_NAMED = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="http://example.org/x">
<bpmn:message id="M_named" name="decision"/>
<bpmn:process id="p" name="Front office" isExecutable="true">
<bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
<bpmn:intermediateCatchEvent id="c1"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:intermediateCatchEvent id="c2" name="Decision received"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing><bpmn:messageEventDefinition messageRef="M_named"/></bpmn:intermediateCatchEvent>
<bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="c1"/><bpmn:sequenceFlow id="f2" sourceRef="c1" targetRef="c2"/>
<bpmn:sequenceFlow id="f3" sourceRef="c2" targetRef="e"/>
</bpmn:process></bpmn:definitions>"""


def test_a_catch_without_a_message_name_is_not_a_receiver_and_other_names_are_refused_by_name(tmp_path: Path):
    path = tmp_path / "unnamed.bpmn"
    path.write_bytes(UNNAMED_BESIDE_NAMED)
    parser = SpiffBpmnParser()  # as SpiffWorkflow parsed it before Kapula named such messages
    parser.add_bpmn_file(str(path))
    bundle = SimpleNamespace(spec=parser.get_spec("p"), subprocess_specs=parser.get_subprocess_specs("p"))
    found = catchers(bundle)
    assert list(found) == ["decision"]
    deployed = SimpleNamespace(name="Front office", key="p", catchers=found)
    with pytest.raises(InvalidDataError, match=r"the messages it receives: 'decision' at 'Decision received' \(c2\)"):
        _receivers(deployed, "Receive Order")  # type: ignore[arg-type]
