"""Process keys have numbered versions; running cases stay on theirs; rejected uploads store nothing."""

from __future__ import annotations

import pytest

from engine.errors import DiagramError, NotFoundError
from engine.model import CaseStatus
from tests.conftest import read


def _renamed(old: bytes, new: str) -> tuple[str, bytes]:
    return ("three_lanes.bpmn", old.replace("Valmistele käynti".encode(), new.encode()))


def test_running_cases_stay_on_their_version_and_new_cases_take_the_latest(kapula):
    name, v1 = read("three_lanes.bpmn")
    first = kapula.deploy([(name, v1), read("tarve.json")])
    assert [(v.version, c) for v, c in zip(first.versions, first.created, strict=True)] == [(1, True)]
    assert kapula.deploy([(name, v1), read("tarve.json")]).created == (False,)  # identical content: no new version

    old_case = kapula.start_case("Handoff_demo")
    second = kapula.deploy([_renamed(v1, "Valmistele yrityskäynti")])  # the form comes from version 1
    assert [(v.version, c, v.runnable) for v, c in zip(second.versions, second.created, strict=True)] == [(2, True, True)]
    new_case = kapula.start_case("Handoff_demo")
    assert (old_case.version, new_case.version) == (1, 2)

    for case in (old_case, new_case):
        kapula.complete_task(kapula.ready_tasks(case_id=case.id)[0].id, {})
    names = {t.case_id: t.name for t in kapula.ready_tasks()}
    assert names == {old_case.id: "Valmistele käynti", new_case.id: "Valmistele yrityskäynti"}
    assert [v.version for v in kapula.versions("Handoff_demo")] == [1, 2]
    assert [(p.key, p.version) for p in kapula.processes()] == [("Handoff_demo", 2)]


def test_going_back_to_earlier_content_makes_a_new_version(kapula):
    name, v1 = read("three_lanes.bpmn")
    kapula.deploy([(name, v1), read("tarve.json")])
    kapula.deploy([_renamed(v1, "Valmistele")])
    back = kapula.deploy([(name, v1), read("tarve.json")])
    assert back.versions[0].version == 3 and back.created == (True,)


def test_an_upload_with_one_file_that_cannot_be_loaded_stores_nothing_at_all(kapula):
    with pytest.raises(DiagramError) as refused:
        kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), read("not_xml.bpmn")])
    [issue] = refused.value.issues
    assert issue.file == "not_xml.bpmn" and issue.line == 12
    assert kapula.processes() == []
    with pytest.raises(NotFoundError):
        kapula.versions("Handoff_demo")


def test_a_case_of_an_old_version_finishes_after_a_restart(open_engine):
    kapula = open_engine()
    name, v1 = read("three_lanes.bpmn")
    kapula.deploy([(name, v1), read("tarve.json")])
    case = kapula.start_case("Handoff_demo")
    kapula.deploy([_renamed(v1, "Uusi nimi")])
    kapula.close()

    again = open_engine()
    for data in ({}, {"needs_funding": False}, {}, {}):
        view = again.complete_task(again.ready_tasks(case_id=case.id)[0].id, data)
    assert view.status is CaseStatus.COMPLETED and view.version == 1


def test_a_diagram_that_cannot_run_is_stored_as_documentation_and_one_process_of_an_upload_may_run(kapula):
    result = kapula.deploy([read("three_lanes.bpmn"), read("tarve.json"), read("gateway_no_default.bpmn")])
    by_key = {v.key: v for v in result.versions}
    assert by_key["Handoff_demo"].runnable
    broken = next(v for k, v in by_key.items() if k != "Handoff_demo")
    [issue] = broken.issues
    assert (issue.file, issue.line, issue.element_id, issue.element_name) == (
        "gateway_no_default.bpmn",
        11,
        "Gateway_1",
        "Kunnossa?",
    )
    assert "Gateway 'Kunnossa?' (Gateway_1) has an outgoing flow with no condition and no default" in issue.message
    assert kapula.start_case("Handoff_demo").ready_tasks
    with pytest.raises(DiagramError, match="documentation only — 1 thing to fix before cases can start"):
        kapula.start_case(broken.key)
    assert [p.runnable for p in kapula.processes()] == [p.key == "Handoff_demo" for p in kapula.processes()]


def test_a_form_that_is_neither_uploaded_nor_in_an_earlier_version_is_reported_at_upload(kapula):
    [version] = kapula.deploy([read("three_lanes.bpmn")]).versions
    [issue] = version.issues
    assert (issue.element_id, issue.element_name, issue.line) == ("Task_describe", "Kuvaa tarve", 28)
    assert "the form 'tarve.json'" in issue.message and "neither in this upload nor in an earlier version" in issue.message
    with pytest.raises(DiagramError):
        kapula.start_case("Handoff_demo")
    [fixed] = kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")]).versions
    assert fixed.runnable and kapula.start_case("Handoff_demo").ready_tasks
