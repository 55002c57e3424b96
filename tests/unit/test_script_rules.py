"""The upload check and the evaluator apply one rule set (engine/expressions/allowed.py): whatever the
evaluator refuses on every value is refused at upload, naming the element, its id and the line."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from engine.expressions.checks import check_expression, check_script
from engine.expressions.limits import ScriptRefusedError
from engine.expressions.sandbox import sandbox
from engine.runtime.parser import load_files

# a value of every kind a script meets: case data is JSON, and functions build tuples and sets
VALUES: list[Any] = ["text", 3, 2.5, True, None, [1], {"a": 1}, (1,), {1}]
NAMES = sorted({name for value in VALUES for name in dir(value) if not name.startswith("_")})


def _runtime_refuses(source: str, value: Any) -> bool:
    """Whether the evaluator alone (no upload check before it) refuses `source` over x = value."""
    with sandbox({"x": value}, 1.0, source) as evaluator:
        try:
            evaluator.run(ast.parse(source, mode="eval").body)
        except ScriptRefusedError:
            return True
        except Exception:  # noqa: BLE001 - an ordinary error (a missing argument…) is not a refusal
            return False
    return False


@pytest.mark.parametrize("name", NAMES)
def test_an_attribute_the_evaluator_refuses_on_every_value_is_refused_at_upload(name: str) -> None:
    source = f"x.{name}"
    refused_everywhere = all(_runtime_refuses(source, value) for value in VALUES)
    assert (check_expression(source) is not None) == refused_everywhere, (name, check_expression(source))


SCRIPTS = [
    ("t = str(n).rjust(w)", "rjust"),
    ("t = name.ljust(10)", "ljust"),
    ("t = code.zfill(5)", "zfill"),
    ("t = title.center(40)", "center"),
    ("x = data.pop('a')", "pop"),
    ("items.append(1)", "append"),
    ("d.update({'a': 1})", "update"),
    ("x = data.customer", "customer"),
]


@pytest.mark.parametrize(("script", "method"), SCRIPTS)
def test_a_method_no_value_allows_is_refused_at_upload_with_element_id_and_line(script: str, method: str) -> None:
    assert check_script(script) == f"line 1: uses the method '.{method}', which no value allows"
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="P" isExecutable="true">
    <bpmn:startEvent id="S"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Task_pad" name="Pad number" scriptFormat="python">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:script>n = 7
{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="E"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Task_pad" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_pad" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>
"""
    (process,) = load_files([("pad.bpmn", text.encode())])
    assert not process.runnable
    (issue,) = process.issues
    assert (issue.element_name, issue.element_id, issue.file) == ("Pad number", "Task_pad", "pad.bpmn")
    assert issue.line == 7  # the script element; the message names the line inside the script
    assert issue.message.startswith("The script of task 'Pad number' (Task_pad) is refused: ")
    assert issue.message.endswith(f"line 2: uses the method '.{method}', which no value allows")


def test_format_open_and_while_stay_refused_at_upload() -> None:
    assert check_script("t = '{} {}'.format(a, b)") == "line 1: uses the method 'format', which is not allowed"
    assert check_script("f = open('x')") == "line 1: calls 'open', which is not an allowed function"
    assert check_script("while True:\n    x = 1") == "line 1: a 'while' loop is not allowed"


def test_methods_some_value_allows_still_pass_the_upload_check() -> None:
    assert check_script("a = s.upper().strip()\nb = ', '.join(l)\nc = d.get('k')\nv = list(d.items())") is None
