"""The step library's phrases: English and Finnish match the same step, tables become case data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.scenarios.errors import StepFailed, UndefinedStep
from engine.scenarios.steps import STEPS, find_step
from engine.scenarios.values import parse_value, table_data


@pytest.mark.parametrize(
    ("english", "finnish", "args"),
    [
        ('the process "Yp" is deployed', 'prosessi "Yp" on otettu käyttöön', {"process": "Yp"}),
        ('a new case of "Yp" with:', 'uusi tapaus prosessista "Yp" tiedoilla:', {"process": "Yp"}),
        ('"SEK" completes "Jälkihoito"', '"SEK" suorittaa tehtävän "Jälkihoito"', {"lane": "SEK", "task": "Jälkihoito"}),
        ("3 days pass", "kuluu 3 päivää", {"n": "3"}),
        ("1 day passes", "kuluu 1 päivä", {"n": "1"}),
        ('the case waits at "T" in lane "ELY"', 'tapaus odottaa tehtävässä "T" kaistalla "ELY"', {"task": "T", "lane": "ELY"}),
        ('the case does not wait at "T"', 'tapaus ei odota tehtävässä "T"', {"task": "T"}),
        ("the case is completed", "tapaus on valmis", {}),
        ('the case ended at "E"', 'tapaus päättyi tapahtumaan "E"', {"end": "E"}),
        ('the case passed through "T"', 'tapaus kulki tehtävän "T" kautta', {"task": "T"}),
        ('the case did not pass through "T"', 'tapaus ei kulkenut tehtävän "T" kautta', {"task": "T"}),
        ('the work was handed from "A" to "B"', 'työ siirtyi kaistalta "A" kaistalle "B"', {"from_lane": "A", "to_lane": "B"}),
        ("there were 4 handoffs", "kapulanvaihtoja oli 4", {"n": "4"}),
        (
            'completing "T" is rejected because "at most 4" with:',
            'tehtävän "T" suorittaminen hylätään, koska "at most 4", tiedoilla:',
            {"task": "T", "text": "at most 4"},
        ),
        ('the field "score" is 4', 'kentän "score" arvo on 4', {"field": "score", "value": "4"}),
    ],
)
def test_an_english_phrase_and_its_finnish_equivalent_find_the_same_step(english, finnish, args):
    step_en, args_en = find_step(english)
    step_fi, args_fi = find_step(finnish)
    assert step_en is step_fi
    assert {k: v for k, v in args_en.items() if v is not None} == args
    assert {k: v for k, v in args_fi.items() if v is not None} == args


def test_the_issues_phrasing_of_a_rejection_also_matches():
    step, args = find_step('completing "Arvioi palvelu" with: is rejected because "at most 4"')
    assert step is find_step('completing "X" is rejected because "y"')[0]
    assert args == {"task": "Arvioi palvelu", "text": "at most 4"}


def test_an_unknown_phrase_is_an_undefined_step_naming_the_phrase():
    with pytest.raises(UndefinedStep, match='no step says "the moon is full"'):
        find_step("the moon is full")


def test_a_waits_at_without_lane_does_not_swallow_the_lane():
    _, args = find_step('the case waits at "T" in lane "ELY"')
    assert args == {"task": "T", "lane": "ELY"}


def test_every_step_has_english_and_finnish_phrases_and_examples_that_match_them():
    for definition in STEPS:
        assert definition.english and definition.finnish
        for example, words in ((definition.example, 1), (definition.example_fi, 1)):
            line = example.splitlines()[0].split(" ", words)[1]
            assert find_step(line)[0] is definition, example


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("4", 4),
        ("3.5", 3.5),
        ("true", True),
        ("kyllä", True),
        ("Ei", False),
        ("null", None),
        ('["ELY", "UYK"]', ["ELY", "UYK"]),
        ('"4"', "4"),
        ("00100", "00100"),
        ("Lohjan Leipä Oy", "Lohjan Leipä Oy"),
        ("  spaced  ", "spaced"),
    ],
)
def test_cells_are_json_values_or_text(cell, value):
    assert parse_value(cell) == value


def test_a_field_value_table_becomes_case_data_and_its_header_is_skipped():
    assert table_data([["field", "value"], ["segment", "founder"], ["score", "4"]]) == {"segment": "founder", "score": 4}
    assert table_data([["kenttä", "arvo"], ["tarpeet", "[]"]]) == {"tarpeet": []}
    assert table_data(None) == {}


def test_a_table_row_without_two_cells_fails_the_step():
    with pytest.raises(StepFailed, match="two cells"):
        table_data([["segment", "founder", "extra"]])


def _as_documented(template: str) -> str:
    return re.sub(r"\{(\w+)(?::text)?\}", r"<\1>", template)


def test_docs_list_every_phrase_in_both_languages():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for definition in STEPS:
        for template in (*definition.english, *definition.finnish):
            assert f"`{_as_documented(template)}`" in docs, template
