"""JUEL and FEEL conditions translated into the sandbox's Python, or refused naming their language."""

from __future__ import annotations

import pytest

from engine.expressions.evaluation import evaluate_expression
from engine.expressions.languages import ExpressionRefused, language_of, to_python


@pytest.mark.parametrize(
    ("text", "python"),
    [
        ("${approved}", "approved"),
        ("${!approved}", "not approved"),
        ("#{clarified == 'yes'}", "clarified == 'yes'"),
        ('${amount gt 1000 && segment ne "VIP"}', 'amount > 1000 and segment != "VIP"'),
        ("${a le 1 || b ge 2.5 or not c}", "a <= 1 or b >= 2.5 or not c"),
        ("${x == null}", "x == None"),
        ("=approved = true", "approved == True"),
        ('=not(country = "FI") and employees >= 10', 'not ( country == "FI" ) and employees >= 10'),
        ("=x != false or y < 3", "x != False or y < 3"),
        ("amount > 5", "amount > 5"),  # Kapula's own Python is left alone
    ],
)
def test_the_common_subset_is_translated(text: str, python: str) -> None:
    assert to_python(text) == python


@pytest.mark.parametrize(
    ("text", "declared", "language", "why"),
    [
        ("${invoice.amount > 5}", None, "JUEL", "property access"),
        ("${execution.getVariable('x')}", None, "JUEL", "property access"),
        ("${a = 1}", None, "JUEL", "'='"),
        ("=some x in items satisfies x > 3", None, "FEEL", "'some'"),
        ("=amount in [1..5]", None, "FEEL", "'in'"),
        ("=name = 'x'", None, "FEEL", "\"'x'\""),
        ("${}", None, "JUEL", "empty"),
        ("bpmn:getDataObject('a')", "http://www.w3.org/1999/XPath", "XPath", "Kapula evaluates Python"),
        ("x > 1", "javascript", "javascript", "Kapula evaluates Python"),
    ],
)
def test_anything_else_is_refused_naming_the_language(text: str, declared: str | None, language: str, why: str) -> None:
    with pytest.raises(ExpressionRefused) as refused:
        to_python(text, declared=declared)
    assert refused.value.language == language and why in refused.value.reason


def test_xpath_true_and_false_are_the_literals() -> None:
    assert [to_python(t, declared="http://www.w3.org/1999/XPath") for t in ("true", "false()")] == ["True", "False"]


@pytest.mark.parametrize(
    ("declared", "language"), [("http://camunda.org/feel", "FEEL"), (None, "Python"), ("https://www.python.org/", "Python")]
)
def test_the_declared_language_is_read_from_the_uri(declared: str | None, language: str) -> None:
    assert language_of("x", declared) == language


@pytest.mark.parametrize(
    ("text", "data", "expected"),
    [
        ("${amount gt 1000 && !(segment == 'VIP')}", {"amount": 5000, "segment": "SME"}, True),
        ("${amount gt 1000 && !(segment == 'VIP')}", {"amount": 5000, "segment": "VIP"}, False),
        ('=not(country = "FI") or exporter = true', {"country": "FI", "exporter": False}, False),
    ],
)
def test_a_translation_means_what_the_original_did(text: str, data: dict[str, object], expected: bool) -> None:
    assert evaluate_expression(to_python(text), dict(data)) is expected


def test_a_feel_name_with_spaces_is_refused_with_a_hint() -> None:
    with pytest.raises(ExpressionRefused, match="a name with spaces"):
        to_python('Vacation Approval = "Approved"', declared="https://www.omg.org/spec/DMN/20191111/FEEL/")
