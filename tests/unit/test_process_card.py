"""Process cards: the sidecar format loads, and every mistake names the file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.process_card import CardError, check_elements, load_card

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"

MINIMAL = {
    "format": 1,
    "process": "p",
    "name": "P",
    "owner": "SEK",
    "purpose": "tarkoitus",
    "start": "alku",
    "end": "loppu",
    "phases": [{"id": "s1", "name": "Vaihe", "elements": ["Task_a"], "content": "sisältö"}],
    "metrics": [
        {
            "id": "m1",
            "name": "Käynnit",
            "target": 20,
            "unit": "kpl",
            "period": "year",
            "data_source": "toimintasuunnitelma",
            "processed_in": "ohjausryhmä",
            "measure": {"kind": "cases_reaching", "elements": ["Task_a"]},
        }
    ],
    "improvement": {"responsible": "SEK", "how": "palaverissa", "review": "vuosittain"},
}


def _with(**changes) -> bytes:
    return json.dumps({**MINIMAL, **changes}).encode()


def test_a_minimal_card_loads_with_defaults():
    card = load_card(_with(extra_note="kept"), filename="p.card.json")
    assert (card.process, card.type, card.owner) == ("p", "ydinprosessi", "SEK")
    (metric,) = card.metrics
    assert (metric.target, metric.unit, metric.period, metric.comparison) == (20, "kpl", "year", ">=")
    assert metric.measure.kind == "cases_reaching" and metric.measure.elements == ("Task_a",)
    assert card.phase_of("Task_a").id == "s1" and card.phase_of("nope") is None
    assert card.extra == {"extra_note": "kept"} and card.source == "p.card.json"


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (b"{oops", "", "not valid JSON"),
        (_with(format=2), "format", "must be 1"),
        (_with(owner=""), "owner", "non-empty text"),
        (_with(type="sivuprosessi"), "type", "ydinprosessi"),
        (_with(phases=[{"id": "s", "name": "S", "elements": "Task_a"}]), "phases[0].elements", "list of texts"),
        (_with(metrics=[{**MINIMAL["metrics"][0], "target": "20"}]), "metrics[0].target", "number"),
        (_with(metrics=[{**MINIMAL["metrics"][0], "period": "week"}]), "metrics[0].period", "one of"),
        (_with(metrics=[{**MINIMAL["metrics"][0], "measure": {"kind": "guess"}}]), "metrics[0].measure.kind", "one of"),
        (_with(metrics=[{**MINIMAL["metrics"][0], "measure": {"kind": "field_mean"}}]), "metrics[0].measure.field", "required"),
        (_with(phases=[MINIMAL["phases"][0], MINIMAL["phases"][0]]), "phases.s1", "used twice"),
        (_with(improvement={"how": "x", "review": "y"}), "improvement.responsible", "non-empty"),
    ],
)
def test_mistakes_name_the_file_and_the_field(content, field, words):
    with pytest.raises(CardError) as caught:
        load_card(content, filename="x.card.json")
    assert caught.value.message.startswith("x.card.json: ")
    assert field in caught.value.field_errors and words in caught.value.message


def test_element_ids_missing_from_the_diagram_are_listed():
    card = load_card(_with(), filename="p.card.json")
    assert check_elements(card, {"Task_a"}) == []
    problems = check_elements(card, {"Task_b"}, filename="p.card.json")
    assert problems == [
        "p.card.json: phases.s1.elements: no element 'Task_a' in the diagram",
        "p.card.json: metrics.m1.measure.elements: no element 'Task_a' in the diagram",
    ]


@pytest.mark.parametrize("path", sorted(BPMN_DIR.glob("*.card.json")), ids=lambda p: p.name)
def test_the_cards_in_bpmn_load(path):
    card = load_card(path.read_bytes(), filename=path.name)
    assert card.metrics and card.phases and card.owner


def test_a_card_written_with_the_formats_first_name_stages_still_loads_as_phases():
    old = {k: v for k, v in MINIMAL.items() if k != "phases"} | {"stages": MINIMAL["phases"]}
    card = load_card(json.dumps(old).encode(), filename="p.card.json")
    assert [p.id for p in card.phases] == ["s1"] and "stages" not in card.extra
