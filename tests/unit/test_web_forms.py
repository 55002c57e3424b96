"""A form from a JSON Schema (fields with labels, required marks and choices; posted values typed back),
and how pages show times and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.datastructures import FormData

from api.web import forms
from api.web.render import duration, when

SCHEMA = {
    "type": "object",
    "properties": {
        "segmentti": {
            "type": "string",
            "title": "Asiakassegmentti",
            "enum": ["aloittava", "suuryritys"],
            "x-labels": {"aloittava": "Aloittava yritys"},
        },
        "tarpeet": {"type": "array", "title": "Tarpeet", "items": {"type": "string", "enum": ["rahoitus", "rekrytointi"]}},
        "arvosana": {"type": "integer", "title": "Arvosana", "enum": [1, 2, 3, 4]},
        "osuus": {"type": "number"},
        "sovittu": {"type": "boolean", "title": "Sovittu"},
        "muistio": {"type": "string", "title": "Muistio", "maxLength": 2000},
    },
    "required": ["segmentti", "tarpeet"],
}


def test_fields_carry_labels_required_and_choices():
    by_name = {f.name: f for f in forms.fields(SCHEMA, {"segmentti": "aloittava"}, {"tarpeet": "valitse ainakin yksi"})}
    assert [f.kind for f in by_name.values()] == ["select", "multi", "select", "number", "checkbox", "textarea"]
    seg = by_name["segmentti"]
    assert (seg.label, seg.required, seg.value) == ("Asiakassegmentti", True, "aloittava")
    assert seg.options == [("aloittava", "Aloittava yritys"), ("suuryritys", "suuryritys")]
    assert by_name["tarpeet"].error == "valitse ainakin yksi" and by_name["osuus"].label == "osuus"


def test_posted_values_are_typed_and_unreadable_ones_reported():
    posted = FormData(
        [
            ("segmentti", "aloittava"),
            ("tarpeet", "rahoitus"),
            ("tarpeet", "rekrytointi"),
            ("arvosana", "3"),
            ("osuus", "0,5"),
            ("muistio", "  "),
        ]
    )
    data, problems = forms.parse(SCHEMA, posted)
    assert data == {
        "segmentti": "aloittava",
        "tarpeet": ["rahoitus", "rekrytointi"],
        "arvosana": 3,
        "osuus": 0.5,
        "sovittu": False,
    }
    assert problems == {}
    _data, problems = forms.parse(SCHEMA, FormData([("osuus", "puolet")]))
    # in the engine's words (the page translates them); the engine is not asked when a value cannot
    # even be read, so the empty required fields are named in the same submit
    assert problems == {"osuus": "must be a number", "segmentti": "is required"}


def test_the_engines_field_errors_are_shown_in_the_pages_words():
    from api.web import messages
    from api.web.i18n import Words

    engine = {
        "a": "is required",
        "b": "must be at least 1",
        "c": "must be at most 2.5",
        "d": "must be a whole number",
        "e": "something new",
    }
    assert messages.field_errors(engine, Words("fi")) == {
        "a": "Pakollinen tieto puuttuu.",
        "b": "Pienin sallittu arvo on 1.",
        "c": "Suurin sallittu arvo on 2,5.",
        "d": "Anna kokonaisluku, esimerkiksi 3.",
        "e": "something new",
    }
    assert messages.field_errors(engine, Words("sv")) == {
        "a": "En obligatorisk uppgift saknas.",
        "b": "Det minsta tillåtna värdet är 1.",
        "c": "Det största tillåtna värdet är 2,5.",
        "d": "Ange ett heltal, till exempel 3.",
        "e": "something new",
    }
    assert messages.field_errors(engine, Words("en")) == {
        "a": "This is required.",
        "b": "The smallest value allowed is 1.",
        "c": "The largest value allowed is 2.5.",
        "d": "Enter a whole number, for example 3.",
        "e": "something new",
    }


def test_without_a_schema_the_json_box_is_read():
    assert forms.parse(None, FormData([("_json", '{"a": 1}')])) == ({"a": 1}, {})
    assert forms.parse(None, FormData([("_json", "[1]")]))[1] == {"_json": "must be a JSON object"}


def test_pages_show_times_in_finnish_time_and_durations_as_people_say_them():
    assert when(datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) == "5.1.2026 10.00"  # Babel's Finnish, Helsinki time
    assert when(datetime(2026, 7, 5, 8, 0, tzinfo=UTC)) == "5.7.2026 11.00"  # summer time
    assert [duration(timedelta(days=2, hours=3)), duration(3 * 3600 + 300), duration(125), duration(12), duration(None)] == [
        "2 pv 3 t",
        "3 t 5 min",
        "2 min",
        "12 s",
        "–",
    ]


def test_case_values_read_as_words_with_the_forms_titles_and_labels():
    from api.web import values

    props = values.properties(
        [
            {
                "properties": {
                    "tarpeet": {
                        "type": "array",
                        "title": "Tarpeet",
                        "items": {"enum": ["rahoitus", "muu"]},
                        "x-labels": {"rahoitus": "Kehittämisrahoitus", "muu": "Muu"},
                    },
                    "sovittu": {"type": "boolean", "title": "Sovittu"},
                    "osuus": {"type": "number", "title": "Osuus", "x-unit": "%"},
                }
            }
        ]
    )
    data = {"osuus": 27.338, "sovittu": False, "tarpeet": ["rahoitus", "muu"], "vapaa": "teksti"}
    assert values.facts(data, props) == [
        ("Tarpeet", "Kehittämisrahoitus ja Muu"),
        ("Sovittu", "ei"),
        ("Osuus", "27,34 %"),
        ("vapaa", "teksti"),
    ]


def test_pages_in_swedish_and_english_write_times_durations_and_numbers_in_their_locale():
    from api.web.render import number, percent

    moment, length = datetime(2026, 1, 5, 8, 0, tzinfo=UTC), timedelta(days=2, hours=3)
    # Swedish as written in Finland (sv_FI), British English (en_GB): Babel, Helsinki time
    assert [when(moment, "sv"), duration(length, "sv"), number(1234.5, "h", "sv"), percent(0.42, "sv")] == [
        "5.1.2026 10.00",
        "2 d 3 tim",
        "1\xa0234,5 h",
        "42\xa0%",
    ]
    assert [when(moment, "en"), duration(length, "en"), number(1234.5, "h", "en"), percent(0.42, "en")] == [
        "05/01/2026, 10:00",
        "2 days 3 hrs",
        "1,234.5 h",
        "42%",
    ]


def test_json_nested_deeper_than_the_parser_goes_is_a_field_error_not_a_500():
    # the task page's JSON box and the migration page's plan gave a RecursionError (HTTP 500)
    import pytest

    from api.web import messages
    from api.web.i18n import Words
    from api.web.migration_pages import _plan
    from engine.errors import InvalidDataError

    deep = "[" * 100_000 + "]" * 100_000
    data, problems = forms.parse(None, FormData([("_json", deep)]))
    assert data == {} and problems == {"_json": "is nested too deep"}
    assert messages.field_errors(problems, Words("en")) == {"_json": "The JSON is nested too many levels deep."}
    with pytest.raises(InvalidDataError, match="the plan is not JSON"):
        _plan(deep)


def test_numbers_as_finns_write_them_and_no_number_json_cannot_hold():
    # "12 000" and "1 000,50" were refused as not numbers; "nan", "inf" and 1e309 were read as
    # Python floats and then refused by the engine in English, which the page could not translate
    for written, value in [("12 000", 12000), ("1\u00a0000,50", 1000.5), ("2\u202f500\u202f000", 2500000), (" 3 ", 3)]:
        data, problems = forms.parse(SCHEMA, FormData([("osuus", written), ("arvosana", written.split(",")[0])]))
        assert (data["osuus"], problems) == (value, {}), written
        assert data["arvosana"] == int(value)
    for written in ("nan", "inf", "-inf", "1e309", "1 2", "12 00"):
        _data, problems = forms.parse(SCHEMA, FormData([("osuus", written)]))
        assert problems == {"osuus": "must be a number", "segmentti": "is required"}, written


def test_the_data_limits_and_a_pattern_are_shown_in_the_pages_words():
    # a 150,000-character text showed "has a text of 150000 characters; the limit is 100000" on a
    # Finnish page; a pattern's refusal showed the value and the regular expression
    import pytest

    from api.web import messages
    from api.web.i18n import Words
    from engine.errors import InvalidDataError
    from engine.forms import check_submission

    schema = {
        "type": "object",
        "properties": {
            "muistio": {"type": "string"},
            "määrä": {"type": "integer"},
            "ytunnus": {"type": "string", "pattern": "^[0-9]{7}-[0-9]$"},
        },
    }
    shown = {}
    for data in ({"muistio": "x" * 150_000}, {"määrä": 2**60}, {"ytunnus": "1234567"}):
        with pytest.raises(InvalidDataError) as refused:
            check_submission(schema, data)
        shown |= messages.field_errors(refused.value.field_errors, Words("fi"))
    assert shown == {
        "muistio": "Teksti on liian pitkä: 150\u00a0000 merkkiä, enintään 100\u00a0000.",
        "määrä": "Luku on liian suuri.",
        "ytunnus": "Arvo ei ole pyydetyssä muodossa.",
    }
