"""Upload messages in Kapula's words, naming the file, element and line: none of SpiffWorkflow's or
libxml2's own wording (a data store, a too deep file, a condition that is not an expression)."""

from __future__ import annotations

import pytest

from engine.bpmn_xml import parse_xml
from engine.errors import DiagramError
from engine.runtime.parser import load_files
from tests.conftest import FIXTURES

MIWG = FIXTURES / "miwg"


def _issues(name: str) -> list:
    return [i for p in load_files([(name, (MIWG / name).read_bytes())]) for i in p.issues]


@pytest.mark.parametrize("name", ["C.4.0.bpmn", "B.1.0.bpmn", "B.2.0.bpmn"])
def test_a_data_store_is_named_with_its_line(name):
    issues = _issues(name)
    assert not [i for i in issues if "has no implementation" in i.message or "engine cannot run this" in i.message]
    stores = [i for i in issues if i.message.startswith("Data store ")]
    assert stores and all(i.element_id and i.line and i.file == name for i in stores)
    assert "Kapula has no data stores" in stores[0].message


def test_a_data_store_beside_a_runnable_diagram_is_said_once_in_kapulas_words():
    files = [(n, (MIWG / n).read_bytes()) for n in ("C.4.0.bpmn", "A.1.0.bpmn")]
    issues = [i.message for p in load_files(files) for i in p.issues]
    assert not [m for m in issues if "has no implementation" in m]


def test_a_condition_that_is_not_an_expression_names_flow_and_gateway():
    (issue, *_) = [i for i in _issues("C.8.0.bpmn") if "Vacation Approval" in i.message]
    assert issue.element_id == "_f2b0da63-d841-4457-ad85-7d86c8b5c1d2" and issue.line == 2599
    assert issue.message == (
        "The condition on flow 'Approved' (_f2b0da63-d841-4457-ad85-7d86c8b5c1d2) from gateway "
        "'_64bb8b55-d348-41d6-9ea8-f333b1d8cb69' is not a valid expression: 'Vacation Approval = \"Approved\"' "
        "(syntax error at line 1: invalid syntax)"
    )


def test_a_file_nested_past_libxml2s_limit_says_the_limit_and_line():
    deep = b'<?xml version="1.0"?>\n<definitions>' + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</definitions>"
    with pytest.raises(DiagramError) as caught:
        parse_xml(deep, filename="deep.bpmn")
    (issue,) = caught.value.issues
    assert issue.message == "the file nests elements more than 100 levels deep" and issue.line == 2
    assert "XML_PARSE_HUGE" not in str(caught.value)
