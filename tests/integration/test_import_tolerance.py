"""Diagrams as other modelers draw them (../shared/cases/import/): implicit ends and splits, labels with
line breaks, Camunda attributes, JUEL and FEEL conditions, and what cannot run kept as documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DiagramError
from engine.model import CaseStatus

IMPORT = Path(__file__).resolve().parents[1] / "fixtures" / "import"


def upload(name: str) -> list[tuple[str, bytes]]:
    return [(name, (IMPORT / name).read_bytes())]


def ready(case) -> list[str]:
    return sorted(t.name for t in case.ready_tasks)


def finish(kapula, case, name: str, **data: object):
    [task] = [t for t in case.ready_tasks if t.name == name]
    return kapula.complete_task(task.id, data)


def test_a_branch_that_ends_without_an_end_event_ends_there(kapula):
    # BPMN 2.0 section 10.5.3: an activity with no outgoing flow ends its path (the implicit end).
    [version] = kapula.deploy(upload("implicit_end.bpmn")).versions
    assert version.runnable and version.issues == ()
    case = kapula.start_case("Implicit_end")
    assert ready(case) == ["Main work", "Write a note"]
    case = finish(kapula, case, "Write a note")
    assert ready(case) == ["Main work"] and case.status is CaseStatus.RUNNING
    case = finish(kapula, case, "Main work")
    assert case.status is CaseStatus.COMPLETED


def test_several_unconditioned_flows_out_of_a_task_run_in_parallel(kapula):
    kapula.deploy(upload("implicit_split.bpmn"))
    case = finish(kapula, kapula.start_case("Split"), "A")
    assert ready(case) == ["B", "C"]
    case = finish(kapula, finish(kapula, case, "C"), "B")
    assert ready(case) == ["D"]
    assert finish(kapula, case, "D").status is CaseStatus.COMPLETED
    # the inserted gateway routes only: it is not a task of anyone's
    assert "A__implicit_split" not in {t.element_id for t in kapula.ready_tasks()}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"exporter": True, "country": "SE", "employees": 3, "revenue": 10}, ["Export advice", "Write a note"]),
        ({"exporter": True, "country": "FI", "employees": 30, "revenue": 10}, ["Funding advice", "Write a note"]),
        ({"exporter": False, "country": "FI", "employees": 1, "revenue": 2_000_000}, ["Funding advice", "Write a note"]),
        ({"exporter": False, "country": "FI", "employees": 1, "revenue": 1}, ["Write a note"]),
    ],
)
def test_feel_conditions_on_flows_out_of_a_task_take_every_true_branch(kapula, data, expected):
    # BPMN 2.0 section 13.2.1: each conditional flow whose condition holds, and every unconditioned one.
    [version] = kapula.deploy(upload("feel_conditions.bpmn")).versions
    assert version.runnable, version.issues
    case = finish(kapula, kapula.start_case("Route_c8"), "Intake", **data)
    assert ready(case) == expected


@pytest.mark.parametrize(
    ("amount", "segment", "next_task"),
    [(5000, "SME", "Board decides"), (5000, "VIP", "Office decides"), (500, "SME", "Office decides")],
)
def test_camunda_7_diagram_with_juel_conditions_and_harmless_attributes_runs(kapula, amount, segment, next_task):
    [version] = kapula.deploy(upload("camunda_harmless.bpmn")).versions
    assert version.runnable, version.issues
    case = kapula.start_case("Loan_c7")
    assert ready(case) == ["Check the application"]
    case = finish(kapula, case, "Check the application", amount=amount, segment=segment)
    assert ready(case) == [next_task]


def test_labels_with_line_breaks_are_one_line_for_matching_and_display(kapula):
    [version] = kapula.deploy(upload("signavio_style.bpmn")).versions
    assert version.actors == ("Office A", "Office B")
    assert version.name == "Service network"
    case = kapula.start_case("sid-proc-1")
    [task] = kapula.ready_tasks(lane="Office A")
    assert (task.name, task.lane, task.case_id) == ("Register request", "Office A", case.id)
    events = kapula.history(case.id)
    assert {e.element_name for e in events if e.element_id == "sid-start"} == {"Request received"}


def test_camunda_service_task_is_documentation_with_a_note_and_cannot_start(kapula):
    [version] = kapula.deploy(upload("camunda_service.bpmn")).versions
    assert not version.runnable
    [issue] = version.issues
    assert (issue.element_id, issue.element_name, issue.line, issue.file) == ("t", "Run some service", 5, "camunda_service.bpmn")
    assert 'camunda:expression="${true}"' in issue.message and "only Camunda can run" in issue.message
    with pytest.raises(DiagramError) as refused:
        kapula.start_case("svc")
    assert "documentation only — 1 thing to fix before cases can start" in refused.value.message
    assert kapula.cases() == []


def test_camunda_listeners_are_reported_with_their_element_and_line_and_cannot_start(kapula):
    # execution and task listeners were silently ignored: the case ran without the work they do
    [version] = kapula.deploy(upload("camunda_listeners.bpmn")).versions
    assert not version.runnable
    found = {(i.element_id, i.element_name, i.line, i.file): i.message for i in version.issues}
    assert set(found) == {
        ("s", "Request in", 6, "camunda_listeners.bpmn"),
        ("t", "Handle request", 12, "camunda_listeners.bpmn"),
        ("b", "Done", 20, "camunda_listeners.bpmn"),
    }
    assert found[("s", "Request in", 6, "camunda_listeners.bpmn")].startswith(
        'Event \'Request in\' (s) has a camunda:executionListener (event="start", class="org.example.Audit")'
    )
    assert (
        'camunda:taskListener (event="create", delegateExpression="${mailer}")'
        in found[("t", "Handle request", 12, "camunda_listeners.bpmn")]
    )
    assert found[("b", "Done", 20, "camunda_listeners.bpmn")].startswith(
        'Sequence flow \'Done\' (b) has a camunda:executionListener (event="take", camunda:script scriptFormat="groovy")'
    )
    assert all("only Camunda can run" in m for m in found.values())
    with pytest.raises(DiagramError, match="documentation only — 3 things to fix"):
        kapula.start_case("listened")


def test_uploading_a_fixed_version_makes_the_process_runnable(kapula):
    broken = (IMPORT / "camunda_service.bpmn").read_bytes()
    kapula.deploy([("svc.bpmn", broken)])
    fixed = broken.replace(
        b'bpmn:serviceTask id="t" name="Run some service" camunda:expression="${true}"',
        b'bpmn:userTask id="t" name="Run some service"',
    ).replace(b"</bpmn:serviceTask>", b"</bpmn:userTask>")
    [version] = kapula.deploy([("svc.bpmn", fixed)]).versions
    assert (version.version, version.runnable) == (2, True)
    assert [v.runnable for v in kapula.versions("svc")] == [False, True]
    assert ready(kapula.start_case("svc")) == ["Run some service"]


@pytest.mark.parametrize(
    ("condition", "language", "shown"),
    [
        ("${invoice.amount &gt; 5}", "JUEL", "${invoice.amount > 5}"),
        ("=some x in items satisfies x &gt; 3", "FEEL", "=some x in items satisfies x > 3"),
        ("bpmn:getDataObject('approved')", "XPath", "bpmn:getDataObject('approved')"),
    ],
)
def test_conditions_kapula_cannot_translate_name_their_language_and_show_the_text(kapula, condition, language, shown):
    content = (IMPORT / "camunda_harmless.bpmn").read_bytes()
    content = content.replace(b"${amount gt 1000 &amp;&amp; !(segment == 'VIP')}", condition.encode())
    if language == "XPath":
        content = content.replace(
            b'xsi:type="bpmn:tFormalExpression"', b'xsi:type="bpmn:tFormalExpression" language="http://www.w3.org/1999/XPath"'
        )
    [version] = kapula.deploy([("loan.bpmn", content)]).versions
    [issue] = version.issues
    assert issue.element_id == "F_large" and issue.element_name == "over 1000, not VIP"
    assert f"is written in {language}, which Kapula does not evaluate" in issue.message
    assert issue.message.endswith(f"the text is {shown}")
