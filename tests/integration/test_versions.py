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
    first = kapula.deploy([(name, v1)])
    assert [(v.version, c) for v, c in zip(first.versions, first.created)] == [(1, True)]
    assert kapula.deploy([(name, v1)]).created == (False,)  # identical content: no new version

    old_case = kapula.start_case("Handoff_demo")
    second = kapula.deploy([_renamed(v1, "Valmistele yrityskäynti")])
    assert [(v.version, c) for v, c in zip(second.versions, second.created)] == [(2, True)]
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
    kapula.deploy([(name, v1)])
    kapula.deploy([_renamed(v1, "Valmistele")])
    back = kapula.deploy([(name, v1)])
    assert back.versions[0].version == 3 and back.created == (True,)


def test_an_upload_with_one_bad_file_stores_nothing_at_all(kapula):
    with pytest.raises(DiagramError) as refused:
        kapula.deploy([read("three_lanes.bpmn"), read("gateway_no_default.bpmn")])
    issue = next(i for i in refused.value.issues if i.element_id == "Gateway_1")
    assert issue.file == "gateway_no_default.bpmn" and issue.line == 11
    assert "Gateway 'Gateway_1' has an outgoing flow with no condition and no default" in issue.message
    assert kapula.processes() == []
    with pytest.raises(NotFoundError):
        kapula.versions("Handoff_demo")


def test_a_case_of_an_old_version_finishes_after_a_restart(open_engine):
    kapula = open_engine()
    name, v1 = read("three_lanes.bpmn")
    kapula.deploy([(name, v1)])
    case = kapula.start_case("Handoff_demo")
    kapula.deploy([_renamed(v1, "Uusi nimi")])
    kapula.close()

    again = open_engine()
    for data in ({}, {"needs_funding": False}, {}, {}):
        view = again.complete_task(again.ready_tasks(case_id=case.id)[0].id, data)
    assert view.status is CaseStatus.COMPLETED and view.version == 1
