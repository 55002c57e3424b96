"""Bounds on one diagram (issue 12, item 7): ids, names, lanes and flow elements past Kapula's
limits are refused at upload, naming the element and the limit, and nothing is stored — before
they could break a column on PostgreSQL (a 500) or tie up the drawing."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest

from engine.bpmn_xml.validate import MAX_FLOW_NODES, MAX_ID_LENGTH, MAX_LANE_NAME_LENGTH, MAX_LANES, MAX_NAME_LENGTH
from engine.errors import DiagramError

BPMN = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def _diagram(
    *,
    process_id: str = "Bounds",
    task_id: str = "Task_1",
    task_name: str = "Tarkista",
    lanes: list[str] | None = None,
    extra_tasks: int = 0,
) -> tuple[str, bytes]:
    """start → user task (→ `extra_tasks` more user tasks) → end, with `lanes` (the first holds every node)."""
    ids = ["StartEvent_1", task_id, *(f"Task_x{i}" for i in range(extra_tasks)), "EndEvent_1"]
    nodes = [
        '<bpmn:startEvent id="StartEvent_1"/>',
        f"<bpmn:userTask id={quoteattr(task_id)} name={quoteattr(task_name)}/>",
        *(f'<bpmn:userTask id="Task_x{i}" name="Lisä {i}"/>' for i in range(extra_tasks)),
        '<bpmn:endEvent id="EndEvent_1"/>',
    ]
    flows = [
        f'<bpmn:sequenceFlow id="Flow_{i}" sourceRef={quoteattr(a)} targetRef={quoteattr(b)}/>'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    lane_set = ""
    if lanes:
        refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
        lane_set = (
            '<bpmn:laneSet id="LaneSet_1">'
            + "".join(
                f'<bpmn:lane id="Lane_{n}" name={quoteattr(name)}>{refs if n == 0 else ""}</bpmn:lane>'
                for n, name in enumerate(lanes)
            )
            + "</bpmn:laneSet>"
        )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {BPMN} id="Defs" targetNamespace="x">'
        f'<bpmn:process id={quoteattr(process_id)} isExecutable="true">{lane_set}{"".join(nodes)}{"".join(flows)}'
        "</bpmn:process></bpmn:definitions>"
    )
    return ("bounds.bpmn", xml.encode())


@pytest.mark.parametrize(
    "diagram, words",
    [
        (
            lambda: _diagram(task_name="N" * (MAX_NAME_LENGTH + 1)),
            f"the name of this userTask is {MAX_NAME_LENGTH + 1} characters long",
        ),
        (lambda: _diagram(task_id="T" * (MAX_ID_LENGTH + 1)), f"the id of this userTask is {MAX_ID_LENGTH + 1} characters long"),
        (lambda: _diagram(process_id="P" * 300), "the id of this process is 300 characters long"),
        (
            lambda: _diagram(lanes=["L" * (MAX_LANE_NAME_LENGTH + 1)]),
            f"the name of this lane is {MAX_LANE_NAME_LENGTH + 1} characters",
        ),
        (lambda: _diagram(lanes=[f"Lane {i}" for i in range(MAX_LANES + 1)]), f"the diagram has {MAX_LANES + 1} lanes"),
        (lambda: _diagram(extra_tasks=MAX_FLOW_NODES), f"the process has {MAX_FLOW_NODES + 3} flow elements"),
    ],
)
def test_past_a_bound_the_upload_is_refused_naming_the_limit_and_nothing_is_stored(kapula, diagram, words) -> None:
    with pytest.raises(DiagramError) as refused:
        kapula.deploy([diagram()])
    assert any(words in issue.message and "the limit is" in issue.message for issue in refused.value.issues), refused.value.issues
    assert all(len(issue.element_name or "") <= 81 and len(issue.element_id or "") <= 81 for issue in refused.value.issues)
    assert kapula.processes() == []


def test_at_the_bounds_the_diagram_loads_and_runs(kapula) -> None:
    name, content = _diagram(
        process_id="P" * MAX_ID_LENGTH,
        task_id="T" * MAX_ID_LENGTH,
        task_name="N" * MAX_NAME_LENGTH,
        lanes=["L" * MAX_LANE_NAME_LENGTH, *(f"Lane {i}" for i in range(MAX_LANES - 1))],
    )
    (version,) = kapula.deploy([(name, content)]).versions
    assert version.runnable, version.issues
    case = kapula.start_case(version.key, {})
    (task,) = case.ready_tasks
    assert task.name == "N" * MAX_NAME_LENGTH and task.lane == "L" * MAX_LANE_NAME_LENGTH
    assert kapula.complete_task(task.id, {}).status.value == "completed"


def test_many_long_names_are_named_a_few_at_a_time() -> None:
    from lxml import etree

    from engine.bpmn_xml.validate import refusals

    tasks = "".join(f'<bpmn:userTask id="T{i}" name="{"N" * 600}"/>' for i in range(40))
    xml = f'<bpmn:definitions {BPMN} id="D"><bpmn:process id="P" isExecutable="true">{tasks}</bpmn:process></bpmn:definitions>'
    issues = refusals(etree.ElementTree(etree.fromstring(xml)), "many.bpmn")
    assert len(issues) == 6 and issues[-1].message == "35 more ids or names are over their length limits"
