"""Cancelling a case and erasing its personal data need a reason; it is kept in the access log in
the step's own transaction and shown in the case's timeline (issue 15, item 5)."""

from __future__ import annotations

import pytest

from engine.access.directory import Directory
from engine.access.policy import Role
from engine.errors import AccessDeniedError, InvalidDataError
from engine.model import CaseStatus
from engine.services.gate import Caller, operator
from tests.conftest import read

ADMIN = Caller(operator("ylläpito"), origin="test")


@pytest.fixture
def case(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    return kapula.start_case("Handoff_demo", {"customer": "Oy Esimerkki Ab", "email": "maija@example.fi"}, user="asiakas")


@pytest.mark.parametrize("reason", [None, "", "   \n"])
def test_a_cancel_without_a_reason_changes_nothing_and_names_the_field(kapula, case, reason):
    with pytest.raises(InvalidDataError) as refused:
        kapula.cancel_case(case.id, reason=reason, caller=ADMIN)
    assert refused.value.field_errors == {"reason": "required"}
    assert kapula.get_case(case.id).status is CaseStatus.RUNNING
    assert [e.action for e in kapula.access_log(case_id=case.id)] == []


def test_a_reason_over_500_characters_is_refused(kapula, case):
    with pytest.raises(InvalidDataError, match="500"):
        kapula.cancel_case(case.id, reason="x" * 501, caller=ADMIN)
    assert kapula.get_case(case.id).status is CaseStatus.RUNNING


def test_the_cancel_reason_is_logged_with_the_cancel_and_shown_in_the_timeline(kapula, clock, case):
    clock.advance(hours=2)
    kapula.cancel_case(case.id, reason="  Asiakas perui käynnin puhelimessa.  ", caller=ADMIN)
    [logged] = [e for e in kapula.access_log(case_id=case.id) if e.action == "cancel"]
    assert (logged.user, logged.reason, logged.at) == ("ylläpito", "Asiakas perui käynnin puhelimessa.", clock.now())
    [note] = kapula.timeline(case.id).notes
    assert (note.action, note.user, note.reason, note.at) == (
        "cancel",
        "ylläpito",
        "Asiakas perui käynnin puhelimessa.",
        clock.now(),
    )


def test_a_refused_cancel_keeps_its_refusal_not_a_reason(kapula, directory_caller, case):
    advisor = directory_caller("sek.neuvoja")
    with pytest.raises(AccessDeniedError):
        kapula.cancel_case(case.id, reason="minä vain", caller=advisor)
    [refused] = kapula.access_log(case_id=case.id)
    assert refused.refused and refused.reason is None
    assert kapula.timeline(case.id).notes == ()


def test_the_erase_reason_is_logged_with_the_erasure_and_shown_in_the_timeline(kapula, case):
    with pytest.raises(InvalidDataError):
        kapula.erase_personal_data(case.id, fields=["email"], caller=ADMIN)
    assert "maija@example.fi" in str(kapula.get_case(case.id).data)
    kapula.erase_personal_data(case.id, fields=["email"], reason="Tietopyyntö 2026/14", caller=ADMIN)
    assert "maija@example.fi" not in str(kapula.get_case(case.id).data)
    assert [(e.action, e.reason) for e in kapula.access_log(case_id=case.id)] == [("erase", "Tietopyyntö 2026/14")]
    assert [(n.action, n.reason) for n in kapula.timeline(case.id).notes] == [("erase", "Tietopyyntö 2026/14")]


@pytest.fixture
def directory_caller(kapula):
    directory = Directory(kapula.sessions, kapula.clock)
    directory.add_organisation("SEK")
    directory.add_user("sek.neuvoja", "salasana-123", role=Role.ADVISOR, organisation="SEK")
    return lambda name: Caller(directory.principal(name), origin="test")
