"""The reference models of bpmn/ run end to end through Kapula: every path, every end event, lanes as drawn."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.bundles import model_bundle
from engine.model import Lifecycle

REPO = Path(__file__).resolve().parents[2]
MODELS = sorted((REPO / "bpmn").glob("*.bpmn"))
VISIT, SEMINAR, LU, VR = (
    "suupohja_yrityskaynti",
    "suupohja_teemaseminaari",
    "lansi_uusimaa_yrityspalvelu",
    "vastuullisuusraportointi",
)


@pytest.fixture
def deployed(kapula):
    for model in MODELS:
        kapula.deploy(model_bundle(model))
    return kapula


def run(
    kapula, clock, key: str, start: dict[str, Any], answers: dict[str, Any]
) -> tuple[Any, list[str], list[tuple[str, str | None]]]:
    """Drive a case to its end: each ready task gets its answer (a list: one per visit), timers fire."""
    case = kapula.start_case(key, start)
    visits: dict[str, int] = {}
    for _ in range(200):
        if case.ready_tasks:
            task = case.ready_tasks[0]
            answer = answers.get(task.element_id, {})
            if isinstance(answer, list):
                answer = answer[visits.setdefault(task.element_id, 0)]
                visits[task.element_id] += 1
            clock.advance(hours=3)
            case = kapula.complete_task(task.id, answer)
        elif case.next_timer_due is not None:
            clock.set(case.next_timer_due + timedelta(minutes=1))
            kapula.fire_due_timers()
            case = kapula.get_case(case.id)
        else:
            break
    done = [e for e in kapula.history(case.id) if e.lifecycle == Lifecycle.TASK_COMPLETED and e.element_id]
    return case, [e.element_id for e in done], [(e.element_id, e.lane) for e in done]


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_each_model_loads_with_its_card_forms_and_tables(kapula, model):
    bundle = model_bundle(model)
    (version,) = kapula.deploy(bundle).versions
    assert version.actors[0] == "Asiakas" and kapula.card(version.key) is not None
    forms = [n for n, _ in bundle if n.endswith(".json") and not n.endswith(".card.json")]
    assert forms and all((REPO / "forms" / n).exists() for n in forms)


VISIT_START = {"asiakas": "Kurikan Kone Oy", "kunta": "Kurikka"}
VISIT_ANSWERS = {
    "Task_valmistele": {"nykytila": "kasvuhakuinen", "osallistujat": ["SEK", "ELY"]},
    "Task_kartoita": {"segmentti": "kotimarkkina", "tarpeet": ["rahoitus"]},
    "Task_sovi": {"toimenpiteet": "rahoitushakemus"},
    **{
        f"Task_liidi_{s}": {f"{s}_toimenpide": True, f"{s}_uusi_asiakas": False}
        for s in ("ely", "te", "uyk", "proagria", "metsakeskus")
    },
}
LEAD_TASK = {
    "ELY": "Task_liidi_ely",
    "TE-toimisto": "Task_liidi_te",
    "UYK": "Task_liidi_uyk",
    "ProAgria": "Task_liidi_proagria",
    "Metsäkeskus": "Task_liidi_metsakeskus",
}


@pytest.mark.parametrize(
    "organisations", [[], ["ELY"], ["TE-toimisto"], ["UYK"], ["ProAgria"], ["Metsäkeskus"], ["ELY", "UYK"], list(LEAD_TASK)]
)
def test_a_visit_hands_the_lead_to_exactly_the_chosen_organisations(deployed, clock, organisations):
    answers = {
        **VISIT_ANSWERS,
        "Task_jalkihoito": {"seurantasuunnitelma": "soitto 3 kk", "suunnitelma_toteutunut": True, "organisaatiot": organisations},
    }
    case, passed, lanes = run(deployed, clock, VISIT, VISIT_START, answers)
    assert case.status.value == "completed" and passed[-1] == "End_palvelut"
    assert passed.index("Task_kartoita") < passed.index("Task_esittele") < passed.index("Task_jalkihoito")
    assert {e for e in passed if e.startswith("Task_liidi_")} == {LEAD_TASK[o] for o in organisations}
    lane_of = dict(lanes)
    assert lane_of["StartEvent_kaynti_sovittu"] == lane_of["End_palvelut"] == "Asiakas"
    assert all(lane_of[LEAD_TASK[o]] == o for o in organisations)
    assert (case.ended_at - case.started_at) > timedelta(days=14)  # the aftercare timer


@pytest.mark.parametrize(("registered", "end"), [(25, "End_tietoiset"), (4, "End_peruttu")])
def test_a_seminar_is_held_or_cancelled_by_registrations(deployed, clock, registered, end):
    answers = {
        "Task_teema": {"teema": "Sukupolvenvaihdos", "toimijat": ["SEK", "UYK"]},
        "Task_markkinoi": {"kanavat": ["lehti"], "ilmoittautuneet": registered},
        "Task_toteuta": {"osallistujat": 22, "yrityksia": 15},
        "Task_jatkotoimet": {"jatkoyhteydenotot": 5, "tyytyvaisyys": 4.2},
    }
    case, passed, lanes = run(deployed, clock, SEMINAR, {}, answers)
    assert case.status.value == "completed" and passed[-1] == end
    assert ("Task_toteuta" in passed) == (end == "End_tietoiset")
    assert dict(lanes)[end] == "Asiakas"


LU_ROWS = [  # segment, needs, the organisations the routing table must choose
    ("aloittava", ["muu_ei_ole"], None),
    ("aloittava", ["verkostoituminen"], {"Novago", "Lohjan Yrittäjät"}),
    ("paikallinen", ["perustaminen"], {"Novago"}),
    ("paikallinen", ["rekrytointi"], {"TE-toimisto"}),
    ("paikallinen", ["starttiraha"], {"TE-toimisto"}),
    ("paikallinen", ["toimitilat_luvat"], {"Lohjan elinkeinopalvelut"}),
    ("kotimarkkina", ["verkostoituminen"], {"Lohjan Yrittäjät"}),
    ("kotimarkkina", ["kehityshanke"], {"Laurea"}),
    ("kotimarkkina", ["koulutus"], {"Luksia"}),
    ("kotimarkkina", ["kirjanpito_juridiikka"], {"Yksityiset toimijat"}),
    ("kotimarkkina", ["kasvu"], {"Novago"}),
    ("kansainvalistyva", ["rekrytointi"], {"Novago", "TE-toimisto"}),
    ("suuryritys", ["koulutus"], {"Lohjan elinkeinopalvelut", "Luksia"}),
    ("paikallinen", ["rekrytointi", "kehityshanke"], {"TE-toimisto", "Laurea"}),
]
LU_TASK = {
    "Novago": "Task_toteuta_novago",
    "TE-toimisto": "Task_toteuta_te",
    "Lohjan Yrittäjät": "Task_toteuta_yrittajat",
    "Lohjan elinkeinopalvelut": "Task_toteuta_elinkeino",
    "Laurea": "Task_toteuta_laurea",
    "Luksia": "Task_toteuta_luksia",
    "Yksityiset toimijat": "Task_toteuta_yksityiset",
}


@pytest.mark.parametrize(("segment", "needs", "expected"), [r for r in LU_ROWS if r[2] is not None])
def test_the_routing_table_sends_the_customer_to_the_right_organisations(deployed, clock, segment, needs, expected):
    answers = {
        "Task_maarittele": {"aiempi_asiakas": True, "segmentti": segment, "tarpeet": needs},
        "Task_arvioi": {"tyytyvaisyys": 4},
    }
    case, passed, lanes = run(deployed, clock, LU, {"asiakas": "Oy Lohja Ab", "kanava": "kaynti"}, answers)
    assert set(case.data["organisaatiot"]) == expected
    assert {e for e in passed if e.startswith("Task_toteuta_")} == {LU_TASK[o] for o in expected}
    assert all(dict(lanes)[LU_TASK[o]] == o for o in expected)
    assert "Task_palveluopas" in passed and passed[-1] == "End_tyytyvainen"


@pytest.mark.parametrize(
    ("earlier", "score", "end"),
    [(False, 4, "End_tyytyvainen"), (True, 3, "End_tyytyvainen"), (False, 2, "End_palaute"), (True, 1, "End_palaute")],
)
def test_new_customers_meet_the_house_everyone_gets_the_guide_and_unhappy_feedback_is_handled(
    deployed, clock, earlier, score, end
):
    answers = {
        "Task_maarittele": {"aiempi_asiakas": earlier, "segmentti": "paikallinen", "tarpeet": ["rekrytointi"]},
        "Task_arvioi": {"tyytyvaisyys": score},
        "Task_palaute": {"kehitystoimenpide": "aukioloajat"},
    }
    case, passed, lanes = run(deployed, clock, LU, {"asiakas": "Oy Lohja Ab", "kanava": "puhelin"}, answers)
    assert case.status.value == "completed" and passed[-1] == end and dict(lanes)[end] == "Asiakas"
    assert ("Task_esittele" in passed) is (not earlier)
    assert "Task_palveluopas" in passed
    assert ("Task_palaute" in passed) is (score < 3)


VR_ANSWERS = {
    "Task_tarvekartoitus": {"nykytila": "alkuvaiheessa", "raportointivelvollinen": False},
    "Task_laajuus": {"laajuus": "liitetiedot"},
    "Task_tarjous": {"hinta": 4800, "jarjestelmat_yhteensopivat": True},
    "Task_allekirjoita": {"sopimus_allekirjoitettu": True},
    "Task_perehdytys": {"tietokyselytyokalu": "taulukko", "kayttooikeudet_annettu": True},
    "Task_tiedonkeruu": {"oma_laatuarvio": "hyva"},
    "Task_laaduntarkistus": {"laatu": "kunnossa"},
    "Task_tavoitteet": {"tavoitteet": "päästöt -20 %", "tyytyvaisyys": 5},
}


@pytest.mark.parametrize(
    ("decisions", "quality", "end"),
    [
        (["hyvaksy"], ["kunnossa"], "End_tavoitteet"),
        (["neuvottele", "neuvottele", "hyvaksy"], ["puutteita", "puutteita", "kunnossa"], "End_tavoitteet"),
        (["neuvottele", "hylkaa"], [], "End_hylatty"),
        (["hylkaa"], [], "End_hylatty"),
    ],
)
def test_the_sustainability_service_loops_on_price_and_quality(deployed, clock, decisions, quality, end):
    answers = {
        **VR_ANSWERS,
        "Task_arvioi_tarjous": [{"paatos": d} for d in decisions],
        "Task_laaduntarkistus": [{"laatu": q} for q in quality],
    }
    case, passed, lanes = run(deployed, clock, VR, {"asiakas": "Vihreä Tili Oy"}, answers)
    assert case.status.value == "completed" and passed[-1] == end and dict(lanes)[end] == "Asiakas"
    assert passed.count("Task_tarjous") == len(decisions) and passed.count("Task_tiedonkeruu") == len(quality)
    crm = [e for e, lane in lanes if lane == "Asiakastietojärjestelmä"]
    assert crm == (["Task_crm_hylatty"] if end == "End_hylatty" else ["Task_crm_sopimus", "Task_crm_valmis"])
    assert case.data["crm_tila"] == ("hylatty" if end == "End_hylatty" else "toimitettu")
