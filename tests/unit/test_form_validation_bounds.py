"""Forms are validated in bounded time (issue 12, item 5): patterns on RE2, patterns RE2 cannot run
refused at upload, uniqueItems by hashing, the data limits before any of it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from engine.errors import InvalidDataError
from engine.forms import check_submission, form_file_problems

SECURITY = Path(__file__).resolve().parents[1] / "fixtures" / "security"
YTUNNUS = json.loads((SECURITY / "ytunnus.json").read_text())


def _form(**properties) -> dict:
    return {"type": "object", "properties": properties}


def test_the_backtracking_pattern_runs_in_linear_time():
    assert form_file_problems("ytunnus.json", (SECURITY / "ytunnus.json").read_bytes()) == []
    started = time.thread_time()
    with pytest.raises(InvalidDataError) as caught:
        check_submission(YTUNNUS, {"ytunnus": "1" * 27 + "x"})
    with pytest.raises(InvalidDataError):
        check_submission(YTUNNUS, {"ytunnus": "1" * 90_000 + "x"})
    assert time.thread_time() - started < 2  # Python's re: 25 s for the first alone
    assert list(caught.value.field_errors) == ["ytunnus"]
    check_submission(YTUNNUS, {"ytunnus": "1234567-8"})


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        (r"^(a)\1$", "back-references"),
        (r"^(?P<d>a)(?P=d)$", "back-references"),
        (r"^(?=x)x$", "look-ahead"),
        (r"^(?!x).$", "look-ahead"),
        (r"(?<=a)b", "look-behind"),
        (r"(?>a)b", "atomic groups"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_at_upload_saying_what_and_where(pattern, construct):
    # not "is not a 'regex'": the construct RE2 does not support, the pattern, and where it sits
    for form, where in (
        (_form(x={"type": "string", "pattern": pattern}), "field 'x'"),
        (_form(x=_form(y={"type": "string", "pattern": pattern})), "field 'x.y'"),
        ({"type": "object", "patternProperties": {pattern: {"type": "string"}}}, "a patternProperties name"),
        (_form(x={"type": "object", "propertyNames": {"pattern": pattern}}), "the propertyNames of field 'x'"),
    ):
        problems = form_file_problems("f.json", json.dumps(form).encode())
        assert problems == [f"{where}: the pattern '{pattern}' uses {construct}" + problems[0].split(construct, 1)[1]]
        assert problems[0].endswith("forms' patterns run on RE2 (linear time, no backtracking), which does not support them")


def test_a_pattern_re2_cannot_parse_gives_re2s_reason():
    problems = form_file_problems("f.json", json.dumps(_form(x={"type": "string", "pattern": "[a-"})).encode())
    assert problems == ["field 'x': the pattern '[a-' is not a pattern RE2 can run (missing ]: [a-)"]


def test_a_property_called_pattern_is_not_a_pattern():
    form = _form(pattern={"type": "string"}, patternProperties={"type": "string", "pattern": "^[a-z]+$"})
    assert form_file_problems("f.json", json.dumps(form).encode()) == []
    check_submission(form, {"pattern": "(a)\\1", "patternProperties": "abc"})


def test_pattern_properties_and_additional_properties_use_re2():
    form = {"type": "object", "patternProperties": {"^([0-9]+-?)+[0-9]$": {"type": "integer"}}, "additionalProperties": False}
    started = time.thread_time()
    with pytest.raises(InvalidDataError) as caught:
        check_submission(form, {"1" * 27 + "x": 1})
    assert time.thread_time() - started < 2
    assert caught.value.field_errors == {"1" * 27 + "x": "is not a field of this form"}
    check_submission(form, {"12-3": 4})
    with pytest.raises(InvalidDataError):
        check_submission(form, {"12-3": "neljä"})


def test_unevaluated_properties_with_pattern_properties_is_refused_at_upload():
    form = {"type": "object", "patternProperties": {"^a": {}}, "unevaluatedProperties": False}
    assert form_file_problems("f.json", json.dumps(form).encode()) == [
        "a form may not combine unevaluatedProperties with patternProperties"
    ]


def test_unique_items_on_a_large_mixed_list_is_quick_and_right():
    form = _form(valinnat={"type": "array", "uniqueItems": True})
    mixed = [i if i % 3 else {"n": i} if i % 2 else [i, str(i)] for i in range(9_000)]
    started = time.thread_time()
    check_submission(form, {"valinnat": mixed})
    with pytest.raises(InvalidDataError):
        check_submission(form, {"valinnat": [*mixed, {"n": 3}]})
    assert time.thread_time() - started < 3  # jsonschema's pairwise comparison: minutes
    for same in ([1, 1.0], [{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}], [[1, "x"], [1, "x"]]):
        with pytest.raises(InvalidDataError):
            check_submission(form, {"valinnat": same})
    for different in ([1, True], [0, False], [None, False], ["1", 1], [[1, 2], [2, 1]], [{"a": 1}, {"a": True}]):
        check_submission(form, {"valinnat": different})


def test_the_data_limits_come_before_the_form():
    deep: object = "x"
    for _ in range(300):
        deep = [deep]
    for data in ({"valinnat": deep}, {"valinnat": [float("nan")]}, {"valinnat": list(range(20_000))}):
        with pytest.raises(InvalidDataError) as caught:
            check_submission(_form(valinnat={"type": "array", "uniqueItems": True}), data)
        assert list(caught.value.field_errors) == ["valinnat"]
    with pytest.raises(InvalidDataError):
        check_submission(None, {"a": float("inf")})


def test_a_form_file_nested_too_deep_or_with_nan_is_refused_not_a_crash():
    assert form_file_problems("f.json", b"[" * 100_000 + b"]" * 100_000) == ["the form is nested too deep"]
    assert "not a JSON number" in form_file_problems("f.json", b'{"type": "object", "minimum": NaN}')[0]
    deep = '{"type": "object", "properties": {"a": ' * 400 + "{}" + "}}" * 400
    problems = form_file_problems("f.json", deep.encode())
    assert len(problems) == 1, problems
