"""Multi-instance tasks: each instance shows its item, outputs in input order, a bounded count
(../shared/cases/engine/multi-instance)."""

from __future__ import annotations

import itertools

import pytest

from engine.errors import CaseStepError
from engine.model import CaseStatus
from engine.runtime.multi_instance import MAX_INSTANCES
from tests.conftest import FIXTURES

OFFICES = ["Office A", "Office B", "Office C"]


def _deploy(kapula, replace: tuple[bytes, bytes] | None = None) -> None:
    content = (FIXTURES / "multi_instance" / "statements.bpmn").read_bytes()
    if replace:
        content = content.replace(*replace)
    kapula.deploy([("statements.bpmn", content)])


def test_each_instance_shows_which_office_it_is_for(open_engine):
    kapula = open_engine()
    _deploy(kapula)
    case = kapula.start_case("Statements", {"offices": OFFICES})
    expected = [(f"Give statement — {o}", {"office": o}, "Offices") for o in OFFICES]
    assert [(t.name, t.data, t.lane) for t in case.ready_tasks] == expected
    assert [(t.name, t.data, t.lane) for t in kapula.ready_tasks(case_id=case.id)] == expected
    kapula.close()
    again = open_engine()  # read back from the stored rows after a restart
    assert [(t.name, t.data) for t in again.ready_tasks(lane="Offices")] == [(n, d) for n, d, _ in expected]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_outputs_are_in_input_order_whatever_the_completion_order(kapula, order):
    _deploy(kapula)
    case = kapula.start_case("Statements", {"offices": OFFICES})
    tasks = {t.data["office"]: t for t in case.ready_tasks}
    for index in order:
        office = OFFICES[index]
        view = kapula.complete_task(tasks[office].id, {"statement": f"{office} agrees"})
    assert view.data["statements"] == [f"{o} agrees" for o in OFFICES]
    [summary] = view.ready_tasks
    assert summary.name == "Summarize statements" and summary.data == {}


def test_a_sequential_multi_instance_shows_its_item_and_keeps_the_order(kapula):
    _deploy(kapula, (b'isSequential="false"', b'isSequential="true"'))
    case = kapula.start_case("Statements", {"offices": OFFICES})
    for office in OFFICES:
        [task] = kapula.ready_tasks(case_id=case.id)
        assert task.name == f"Give statement — {office}"
        view = kapula.complete_task(task.id, {"statement": office.lower()})
    assert view.data["statements"] == ["office a", "office b", "office c"]


def test_an_item_that_is_a_record_is_shown_as_compact_text(kapula):
    _deploy(kapula)
    case = kapula.start_case("Statements", {"offices": [{"name": "Office A", "city": "Vaasa"}]})
    [task] = case.ready_tasks
    assert task.name == 'Give statement — {"name": "Office A", "city": "Vaasa"}'
    assert task.data == {"office": {"name": "Office A", "city": "Vaasa"}}


def test_a_collection_over_the_limit_is_a_failed_step_before_any_task_exists(kapula):
    _deploy(kapula)
    with pytest.raises(CaseStepError) as info:
        # 5,000: the data limits (engine/data_limits.py) refuse a list of more than 10,000 before any step
        kapula.start_case("Statements", {"offices": [f"Office {n}" for n in range(5_000)]})
    assert f"would create 5,000 instances; the limit is {MAX_INSTANCES:,}" in info.value.message
    assert "'Give statement' (Task_statement)" in info.value.message
    assert kapula.cases() == []


def test_the_limit_itself_is_allowed(kapula, monkeypatch):
    monkeypatch.setattr("engine.runtime.multi_instance.MAX_INSTANCES", 4)
    _deploy(kapula)
    with pytest.raises(CaseStepError, match="would create 5 instances; the limit is 4"):
        kapula.start_case("Statements", {"offices": ["a", "b", "c", "d", "e"]})
    assert len(kapula.start_case("Statements", {"offices": ["a", "b", "c", "d"]}).ready_tasks) == 4


def test_a_sequential_multi_instance_is_bounded_too(kapula):
    _deploy(kapula, (b'isSequential="false"', b'isSequential="true"'))
    with pytest.raises(CaseStepError, match=f"would create 1,001 instances; the limit is {MAX_INSTANCES:,}"):
        kapula.start_case("Statements", {"offices": [str(n) for n in range(MAX_INSTANCES + 1)]})


@pytest.mark.parametrize(
    ("cardinality", "words"),
    [
        ("count", "would create 5,000 instances; the limit is 1,000"),
        ("label", "must be a whole number of 0 or more, not 'x'"),
    ],
)
def test_a_cardinality_from_case_data_is_bounded(kapula, cardinality, words):
    loop = (
        b"<bpmn:loopDataInputRef>offices</bpmn:loopDataInputRef>",
        f"<bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality>".encode(),
    )
    content = (FIXTURES / "multi_instance" / "statements.bpmn").read_bytes().replace(*loop)
    content = content.replace(b'<bpmn:inputDataItem id="office" name="office" />', b"")
    kapula.deploy([("statements.bpmn", content)])
    with pytest.raises(CaseStepError, match=words):
        kapula.start_case("Statements", {"count": 5_000, "label": "x"})
    case = kapula.start_case("Statements", {"count": 2, "label": "x"}) if cardinality == "count" else None
    if case is not None:
        assert [t.name for t in case.ready_tasks] == ["Give statement", "Give statement"]
        assert case.status is CaseStatus.RUNNING


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, "runs over 'offices', which is not in the case data"),
        ({"offices": 5}, "needs a list or a map of items, not int"),
    ],
)
def test_a_missing_or_wrong_collection_is_a_failed_step(kapula, data, words):
    _deploy(kapula)
    with pytest.raises(CaseStepError, match=words):
        kapula.start_case("Statements", data)


def test_an_instance_completed_without_its_output_item_names_the_task_and_the_fields(kapula):
    _deploy(kapula)
    case = kapula.start_case("Statements", {"offices": OFFICES})
    with pytest.raises(CaseStepError) as info:
        kapula.complete_task(case.ready_tasks[0].id, {"remark": "forgot the statement"})
    assert (
        "the multi-instance task 'Give statement' (Task_statement): an instance ended without its output item "
        "'statement' in its data (the field each instance fills in, collected into 'statements')"
    ) in info.value.message
    assert info.value.element_id == "Task_statement"
    assert len(kapula.ready_tasks(case_id=case.id)) == 3  # nothing changed


@pytest.mark.parametrize("sequential", [b"false", b"true"])
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"statements": "x"},
            "collects its outputs into 'statements', which the case data already has as a text: it must be a list or a map",
        ),
        (
            {"statements": [1]},
            "collects its outputs into 'statements', which the case data already has with 1 item(s): it "
            "must be empty, a map, or the same field as its input 'offices'",
        ),
        ({"office": "a"}, "gives each instance its input item as 'office', but the case data already has a field 'office'"),
        (
            {"statement": "a"},
            "gives each instance its output item as 'statement', but the case data already has a field 'statement'",
        ),
    ],
)
def test_case_data_that_clashes_with_a_multi_instance_names_the_task_and_the_field(kapula, sequential, data, words):
    _deploy(kapula, (b'isSequential="false"', b'isSequential="' + sequential + b'"'))
    with pytest.raises(CaseStepError) as info:
        kapula.start_case("Statements", {"offices": OFFICES, **data})
    # the element by its name and id (SpiffWorkflow puts the name on the instances, not the task)
    assert info.value.message.startswith(
        "the case's diagram failed in 'Give statement' (Task_statement): the "
        "multi-instance task 'Give statement' (Task_statement)"
    )
    assert words in info.value.message
    assert kapula.cases() == []


@pytest.mark.parametrize("sequential", [b"false", b"true"])
def test_a_cardinality_with_an_output_already_filled_is_a_failed_step_not_a_traceback(kapula, sequential):
    # SpiffWorkflow 3.2.0 raised NameError ('data_ouput') here
    loop = (b"<bpmn:loopDataInputRef>offices</bpmn:loopDataInputRef>", b"<bpmn:loopCardinality>2</bpmn:loopCardinality>")
    content = (FIXTURES / "multi_instance" / "statements.bpmn").read_bytes().replace(*loop)
    content = content.replace(b'<bpmn:inputDataItem id="office" name="office" />', b"")
    content = content.replace(b'isSequential="false"', b'isSequential="' + sequential + b'"')
    kapula.deploy([("statements.bpmn", content)])
    with pytest.raises(CaseStepError) as info:
        kapula.start_case("Statements", {"statements": [1]})
    assert (
        "the multi-instance task 'Give statement' (Task_statement): it collects its outputs into 'statements', "
        "which the case data already has with 1 item(s): with a cardinality it must be empty or a map"
    ) in info.value.message
    assert len(kapula.start_case("Statements", {"statements": []}).ready_tasks) == (1 if sequential == b"true" else 2)


@pytest.mark.parametrize("sequential", [b"false", b"true"])
def test_mid_way_the_case_data_shows_the_outputs_so_far_and_no_instances_item(kapula, sequential):
    _deploy(kapula, (b'isSequential="false"', b'isSequential="' + sequential + b'"'))
    case = kapula.start_case("Statements", {"offices": OFFICES})
    for done, office in enumerate(OFFICES, start=1):
        task = next(t for t in kapula.ready_tasks(case_id=case.id) if t.data == {"office": office})
        view = kapula.complete_task(task.id, {"statement": f"{office} agrees", "remark": "x"})
        # the instance's item ('office') and output item ('statement') are the instance's own
        assert view.data == {"offices": OFFICES, "statements": [f"{o} agrees" for o in OFFICES[:done]]}
        assert kapula.cases()[0].data == view.data


@pytest.mark.parametrize("sequential", [b"false", b"true"])
def test_without_collected_outputs_the_instances_item_stays_the_instances_own(kapula, sequential):
    # SpiffWorkflow merged each instance's whole data, its item too: the case kept 'office' of the
    # last instance, and a sequential one refused its second instance ("office already exists")
    content = (FIXTURES / "multi_instance" / "statements.bpmn").read_bytes()
    content = content.replace(b'isSequential="false"', b'isSequential="' + sequential + b'"')
    content = content.replace(b"<bpmn:loopDataOutputRef>statements</bpmn:loopDataOutputRef>", b"")
    content = content.replace(b'<bpmn:outputDataItem id="statement" name="statement" />', b"")
    kapula.deploy([("statements.bpmn", content)])
    case = kapula.start_case("Statements", {"offices": OFFICES})
    for office in OFFICES:
        task = next(t for t in kapula.ready_tasks(case_id=case.id) if t.data == {"office": office})
        view = kapula.complete_task(task.id, {"remark": office})
        assert view.data == {"offices": OFFICES, "remark": office}
    assert [t.name for t in view.ready_tasks] == ["Summarize statements"]
