"""The common FEEL unary tests of DMN input cells, read into plain predicates (no eval).

DMN 1.3 §9.5 ("simple unary tests") defines what a decision table's input cell may hold. Kapula
reads the subset that modelers write: `-` (anything), a literal or a name (equality), a
comparison (`< 5`, `>= limit`), an interval (`[250..1000]`, `]0..10[`, `(1..5]`), several of
these separated by commas (any of them), and `not(…)` around them. Literals are strings in
double quotes, numbers, `true`/`false` and `null` (Python's `True`/`False`/`None` are also read,
as SpiffWorkflow's own tables write them). A cell that is none of these returns None from
`parse_unary_tests`, and the caller reads it as a SpiffWorkflow (Python) test instead.

Like FEEL, a comparison between values of different kinds (a text and a number) is not a match
rather than an error, and `null` equals only `null`.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_LITERAL_WORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "=": operator.eq,
}
MAX_CELL_LENGTH = 2_000


class FeelNameError(LookupError):
    """A name in a unary test is not in the case data."""


@dataclass(frozen=True)
class Value:
    """A literal or a name whose value comes from the case data."""

    literal: Any = None
    name: str | None = None

    def resolve(self, data: Mapping[str, Any]) -> Any:
        if self.name is None:
            return self.literal
        current: Any = data
        for part in self.name.split("."):
            if not isinstance(current, Mapping) or part not in current:
                raise FeelNameError(f"name '{self.name}' is not defined")
            current = current[part]
        return current


@dataclass(frozen=True)
class Test:
    """One unary test: `kind` is 'compare' (op, value) or 'interval' (low, high and closedness)."""

    kind: str
    op: str = "="
    value: Value | None = None
    high: Value | None = None
    low_closed: bool = True
    high_closed: bool = True

    def matches(self, given: Any, data: Mapping[str, Any]) -> bool:
        if self.kind == "compare" and self.value is not None:
            return _compare(self.op, given, self.value.resolve(data))
        low = self.value.resolve(data) if self.value is not None else None
        high = self.high.resolve(data) if self.high is not None else None
        return _compare(">=" if self.low_closed else ">", given, low) and _compare("<=" if self.high_closed else "<", given, high)


@dataclass(frozen=True)
class UnaryTests:
    """A whole cell: any of `tests` matches (all when there are none), negated if `negated`."""

    tests: tuple[Test, ...]
    negated: bool = False

    def matches(self, given: Any, data: Mapping[str, Any]) -> bool:
        hit = not self.tests or any(test.matches(given, data) for test in self.tests)
        return hit != self.negated


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("=", "!="):
        same = _kind(left) == _kind(right) and left == right
        return same if op == "=" else not same
    if left is None or right is None or _kind(left) != _kind(right):
        return False  # FEEL: comparing different kinds gives null, which is not a match
    try:
        return bool(_COMPARISONS[op](left, right))
    except TypeError:
        return False


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


@functools.lru_cache(maxsize=4096)
def parse_unary_tests(text: str | None) -> UnaryTests | None:
    """The cell `text` as FEEL unary tests, or None when it is not written in that subset."""
    cell = (text or "").strip()
    if cell in ("", "-"):
        return UnaryTests(())
    if len(cell) > MAX_CELL_LENGTH:
        return None
    negated = False
    if cell.startswith("not(") and cell.endswith(")") and _closing_paren(cell, 3) == len(cell) - 1:
        negated, cell = True, cell[4:-1].strip()
    parts = split_top_level(cell)
    if parts is None or not all(parts):
        return None
    tests = tuple(_test(part) for part in parts)
    if any(t is None for t in tests):
        return None
    return UnaryTests(tuple(t for t in tests if t is not None), negated)


def parse_literal_list(text: str | None) -> list[Any] | None:
    """A comma-separated list of literals (a DMN `outputValues` cell), or None if it is not one."""
    parts = split_top_level((text or "").strip())
    if not parts:
        return None
    values = [_value(part) for part in parts]
    if any(v is None or v.name is not None for v in values):
        return None
    return [v.literal for v in values if v is not None]


def parse_literal(text: str) -> tuple[bool, Any]:
    """(True, value) if `text` is one FEEL literal (`true`, `null`, "text", 5), else (False, None)."""
    value = _value(text.strip())
    if value is None or value.name is not None:
        return False, None
    return True, value.literal


def feel_path(text: str) -> bool:
    """Whether `text` is a plain name or a dotted path of names (`customer.type`)."""
    return bool(_NAME.fullmatch(text)) and not any(p.startswith("_") for p in text.split("."))


def is_data_path(text: str) -> bool:
    """Whether a DMN input expression is a dotted FEEL path into the case data (`customer.type`): read
    from the data by name, not evaluated by the sandbox (engine.runtime.dmn), so not checked as Python
    at upload either (Python would read `.type` as an attribute, which no value allows)."""
    path = text.strip()
    return "." in path and feel_path(path)


def split_top_level(text: str) -> list[str] | None:
    """`text` split at commas outside strings and brackets; None if quotes or brackets do not balance."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            match = _STRING.match(text, i)
            if match is None:
                return None
            i = match.end()
            continue
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return parts


def _closing_paren(text: str, opening: int) -> int:
    depth = 0
    i = opening
    while i < len(text):
        if text[i] == '"':
            match = _STRING.match(text, i)
            if match is None:
                return -1
            i = match.end()
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
        i += 1
    return -1


def _test(part: str) -> Test | None:
    if part[0] in "[(]" and part[-1] in "])[" and ".." in part:
        return _interval(part)
    for op in ("<=", ">=", "!=", "<", ">", "="):
        if part.startswith(op):
            value = _value(part[len(op) :].strip())
            return Test("compare", op, value) if value is not None else None
    value = _value(part)
    return Test("compare", "=", value) if value is not None else None


def _interval(part: str) -> Test | None:
    low_text, sep, high_text = part[1:-1].partition("..")
    low, high = _value(low_text.strip()), _value(high_text.strip())
    if not sep or low is None or high is None:
        return None
    return Test("interval", value=low, high=high, low_closed=part[0] == "[", high_closed=part[-1] == "]")


def _value(text: str) -> Value | None:
    if text in _LITERAL_WORDS:
        return Value(literal=_LITERAL_WORDS[text])
    if _STRING.fullmatch(text):
        try:
            return Value(literal=json.loads(text))
        except ValueError:
            return None
    if _NUMBER.fullmatch(text):
        return Value(literal=float(text) if any(c in text for c in ".") else int(text))
    if _NAME.fullmatch(text) and not any(p.startswith("_") for p in text.split(".")):
        return Value(name=text)
    return None
