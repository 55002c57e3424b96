"""A message that refuses a value quotes only its start (80 characters and "…"), keeping the field
and the reason: a 5,000-character pattern, value, field name, timer or expression came back in full."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from engine.bpmn_xml.validate import validate_dmn
from engine.data_limits import check_case_data
from engine.errors import InvalidDataError, excerpt, quoted
from engine.expressions.timer_values import TimerValueError, parse_duration
from engine.forms import check_submission, form_file_problems

LONG = "a" * 5000


def _short(message: str) -> bool:
    """No run of the long value beyond the 80-character excerpt, and the excerpt's mark is there."""
    return max((len(run) for run in re.findall(r"a{20,}", message)), default=0) <= 80 and "…" in message


def test_excerpt_and_quoted_keep_a_prefix():
    assert excerpt("short") == "short" and excerpt("b" * 80) == "b" * 80
    assert excerpt("b" * 81) == "b" * 80 + "…"
    assert quoted("b" * 500) == repr("b" * 80 + "…") and quoted(1.5) == "1.5"
    assert len(quoted(list(range(1000)))) == 81


def test_a_value_that_does_not_match_its_pattern_is_quoted_by_its_start():
    form = {"type": "object", "properties": {"ytunnus": {"type": "string", "pattern": "^[0-9]{7}-[0-9]$"}}}
    with pytest.raises(InvalidDataError) as caught:
        check_submission(form, {"ytunnus": LONG})
    message, field = caught.value.message, caught.value.field_errors["ytunnus"]
    assert _short(message) and _short(field) and len(message) < 300
    assert "ytunnus" in message and "does not match '^[0-9]{7}-[0-9]$'" in field


def test_a_value_refused_by_jsonschemas_own_message_is_quoted_by_its_start():
    form = {"type": "object", "properties": {"x": {"not": {"type": "string"}}}}
    with pytest.raises(InvalidDataError) as caught:
        check_submission(form, {"x": LONG})
    assert _short(caught.value.field_errors["x"]) and "should not be valid" in caught.value.field_errors["x"]


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "string", "pattern": "(?=" + LONG + ")"}, "look-ahead"),
        ({"type": "string", "pattern": "(" * 3000 + "a"}, "not a pattern RE2 can run"),
        ({"type": "string", "minLength": LONG}, "is not of type 'integer'"),
    ],
)
def test_an_upload_refusing_a_long_pattern_or_keyword_quotes_its_start(schema, reason):
    form = json.dumps({"type": "object", "properties": {"x": schema}}).encode()
    [problem] = form_file_problems("f.json", form)
    assert reason in problem and len(problem) < 300 and "x" in problem
    assert "…" in problem and "a" * 81 not in problem and "(" * 81 not in problem


def test_a_long_field_name_is_quoted_by_its_start_with_the_reason():
    with pytest.raises(InvalidDataError) as caught:
        check_case_data({"b" * 5000: 1})
    assert "b" * 80 + "…" in caught.value.message and "b" * 81 not in caught.value.message
    assert "field name of 5000 characters" in caught.value.message


def test_a_long_timer_value_is_quoted_by_its_start():
    with pytest.raises(TimerValueError) as caught:
        parse_duration("P" + LONG)
    assert "ISO 8601 duration" in str(caught.value) and len(str(caught.value)) < 200


def test_a_long_refused_decision_table_expression_is_quoted_by_its_start():
    dmn = f"""<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d">
      <decision id="D"><decisionTable id="T">
        <input id="I"><inputExpression id="E"><text>__import__('os') + {"a" * 5000}</text></inputExpression></input>
      </decisionTable></decision></definitions>"""
    [issue] = validate_dmn(etree.ElementTree(etree.fromstring(dmn.encode())), "t.dmn")
    assert "is refused" in str(issue) and _short(str(issue)) and len(str(issue)) < 400
