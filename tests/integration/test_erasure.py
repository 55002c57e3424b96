"""Erasing a case's personal data: the values leave every row of the case, the metrics stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.bundles import model_bundle
from engine.erasure import ERASED
from engine.errors import InvalidDataError, NotFoundError
from engine.persistence.tables import CaseRecord, CaseTaskRecord, EventRecord
from tests.conftest import read

LU_MODEL = Path(__file__).resolve().parents[2] / "bpmn" / "lansi_uusimaa_yrityspalvelu.bpmn"
LU = "lansi_uusimaa_yrityspalvelu"
SECRET = "Oy Salainen Ab"


def _case_texts(kapula, case_id: int) -> list[str]:
    """Every text column of the case's rows, as stored and with JSON escapes (\\u00e4) decoded."""
    with kapula.sessions() as session:
        case = session.get(CaseRecord, case_id)
        texts = [case.data_json, case.header_json]
        texts += session.scalars(select(CaseTaskRecord.body).where(CaseTaskRecord.case_id == case_id)).all()
        for e in session.scalars(select(EventRecord).where(EventRecord.case_id == case_id)):
            texts += [e.changed_json, e.element_name or "", e.user_name or "", e.lane or ""]
    decoded = []
    for text in texts:
        try:
            decoded.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
    return texts + decoded


def _measured(kapula, case_id: int):
    return (
        kapula.metrics(LU),
        kapula.stage_durations(case_id),
        kapula.handoffs(case_id),
        [(e.seq, e.at, e.lifecycle, e.element_id, e.lane, e.user) for e in kapula.history(case_id)],
    )


@pytest.fixture
def lu_case(kapula, clock):
    kapula.deploy(model_bundle(LU_MODEL))
    case = kapula.start_case(LU, {"asiakas": SECRET, "kanava": "kaynti"}, user="neuvoja")
    clock.advance(hours=3)
    case = kapula.complete_task(
        case.ready_tasks[0].id, {"aiempi_asiakas": False, "segmentti": "paikallinen", "tarpeet": ["rekrytointi"]}, user="neuvoja"
    )
    clock.advance(hours=2)
    return case


def test_declared_fields_are_erased_everywhere_and_the_metrics_stay(kapula, clock, lu_case):
    other = kapula.start_case(LU, {"asiakas": "Oy Toinen Ab", "kanava": "puhelin"}, user="neuvoja")
    before, other_before = _measured(kapula, lu_case.id), _case_texts(kapula, other.id)
    assert any(SECRET in t for t in _case_texts(kapula, lu_case.id))

    result = kapula.erase_personal_data(lu_case.id, by="tietosuoja")

    assert result.fields == ("asiakas",) and result.rows_changed > 0
    assert not any(SECRET in t for t in _case_texts(kapula, lu_case.id))
    assert kapula.get_case(lu_case.id).data["asiakas"] == ERASED
    assert _measured(kapula, lu_case.id) == before
    assert _case_texts(kapula, other.id) == other_before
    erased = [e for e in kapula.access_log(case_id=lu_case.id) if e.action == "erase"]
    assert [(e.user, e.case_id) for e in erased] == [("tietosuoja", lu_case.id)]


def test_the_case_goes_on_without_the_old_data_coming_back_from_the_cache(kapula, clock, lu_case):
    # the step above left the live case in this process's cache
    kapula.erase_personal_data(lu_case.id, by="tietosuoja")
    case = kapula.get_case(lu_case.id)
    for _ in range(3):
        if not case.ready_tasks:
            break
        clock.advance(hours=1)
        case = kapula.complete_task(case.ready_tasks[0].id, {"tyytyvaisyys": 4}, user="neuvoja")
    assert case.data["asiakas"] == ERASED
    assert not any(SECRET in t for t in _case_texts(kapula, lu_case.id))


def test_without_declared_fields_the_caller_names_them(kapula):
    kapula.deploy([read("three_lanes.bpmn"), read("tarve.json")])
    case = kapula.start_case(
        "Handoff_demo", {"yhteyshenkilo": "Maija Meikäläinen", "need": "kasvu", "muistio": "soitettu: Maija Meikäläinen"}
    )
    assert any("Meikäläinen" in t for t in _case_texts(kapula, case.id))
    with pytest.raises(InvalidDataError):
        kapula.erase_personal_data(case.id, by="admin")
    kapula.erase_personal_data(case.id, fields=["yhteyshenkilo"], by="admin")
    assert not any("Meikäläinen" in t for t in _case_texts(kapula, case.id))
    data = kapula.get_case(case.id).data
    # a copy of the value under another key goes too, the rest stays
    assert (data["need"], data["muistio"]) == ("kasvu", f"soitettu: {ERASED}")
    with pytest.raises(NotFoundError):
        kapula.erase_personal_data(999_999, fields=["x"], by="admin")
