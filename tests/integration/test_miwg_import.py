"""The BPMN MIWG reference models (tests/fixtures/miwg, CC-BY 3.0) all import: as runnable versions,
or as documentation that lists, per element, what to fix before cases can start."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DiagramError

MIWG = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "miwg").glob("*.bpmn"))


def test_the_suite_is_all_there():
    assert len(MIWG) == 21


@pytest.mark.parametrize("model", MIWG, ids=lambda p: p.name)
def test_every_reference_model_imports_and_says_what_keeps_it_from_running(kapula, model: Path):
    result = kapula.deploy([(model.name, model.read_bytes())])
    assert result.versions and all(result.created)
    text = model.read_text(encoding="utf-8")
    for version in result.versions:
        for issue in version.issues:
            assert issue.file == model.name and issue.message
            if issue.element_id:  # the author finds it by name, id and line
                assert issue.line and f'id="{issue.element_id}"' in text
        if not version.runnable:
            with pytest.raises(DiagramError, match="documentation only"):
                kapula.start_case(version.key)
    assert {v.key for v in kapula.processes()} == {v.key for v in result.versions}


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("A.1.0.bpmn", "WFP-6-"),
        ("A.4.0.bpmn", "WFP-6-1"),
        ("A.4.1.bpmn", "sid-34746A54-1D7D-46CA-B219-0C4CEAE51170"),
        ("C.2.0.bpmn", "WFP-Page_1-4"),
    ],
)
def test_models_that_can_run_do(kapula, model: str, key: str):
    path = MIWG[0].parent / model
    versions = {v.key: v for v in kapula.deploy([(model, path.read_bytes())]).versions}
    assert versions[key].runnable, versions[key].issues
    case = kapula.start_case(key)
    assert case.status.value in ("running", "completed")


def test_juel_conditions_of_the_camunda_invoice_model_are_translated(kapula):
    path = MIWG[0].parent / "C.1.0.bpmn"
    versions = {v.key: v for v in kapula.deploy([(path.name, path.read_bytes())]).versions}
    issues = versions["bpmn-miwg-test-case-c.1.0"].issues
    assert not [i for i in issues if "condition" in i.message.lower()], issues
    [service] = issues  # the one thing left: a service task with no implementation Kapula has
    assert (service.element_id, service.element_name, service.line) == ("archiveInvoice", "Archive Invoice", 570)
