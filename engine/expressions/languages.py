"""Conditions written for other engines (JUEL `${…}`, FEEL `=…`) translated into the sandbox's Python, or refused.

Camunda 7 writes conditions in JUEL (`${amount > 1000 && !approved}`), Camunda 8 in FEEL
(`=amount > 1000 and approved = false`), bpmn.io leaves the text as typed and the BPMN default
language is XPath. Kapula evaluates Python expressions over the case data (engine.expressions.evaluation), so the
common subset of the other languages is translated token by token: names, string, number and
boolean literals, null, comparisons, and/or/not and parentheses. Anything else (property access,
functions, FEEL ranges, XPath paths) is refused with `ExpressionRefused`, which names the language;
the loader turns that into a "to fix" note, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>=!()])
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_JUEL_WORDS = {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
_JUEL_OPS = {
    "&&": "and",
    "||": "or",
    "!": "not",
    "==": "==",
    "!=": "!=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
    "(": "(",
    ")": ")",
}
_FEEL_WORDS = {"and": "and", "or": "or", "not": "not"}
_FEEL_OPS = {"=": "==", "!=": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "(": "(", ")": ")"}
# Words of the source languages that would silently mean something else in Python.
_RESERVED = frozenset(
    {
        "in",
        "is",
        "if",
        "else",
        "for",
        "lambda",
        "between",
        "instance",
        "of",
        "some",
        "every",
        "satisfies",
        "then",
        "return",
        "function",
        "empty",
        "div",
        "mod",
        "import",
        "True",
        "False",
        "None",
    }
)


@dataclass(frozen=True)
class ExpressionRefused(Exception):
    """The text is in a language Kapula does not evaluate, or outside the subset it translates."""

    language: str
    reason: str

    def __str__(self) -> str:
        return f"{self.language}: {self.reason}"


def language_of(text: str, declared: str | None) -> str:
    """'JUEL', 'FEEL', 'XPath', 'Python' or the declared language's URI, from the text and `language`."""
    stripped = text.strip()
    if re.fullmatch(r"[$#]\{.*\}", stripped, re.DOTALL):
        return "JUEL"
    if stripped.startswith("="):
        return "FEEL"
    lowered = (declared or "").lower()
    for marker, name in (("feel", "FEEL"), ("juel", "JUEL"), ("xpath", "XPath"), ("python", "Python")):
        if marker in lowered:
            return name
    return "Python" if not declared else declared


def to_python(text: str, *, declared: str | None = None) -> str:
    """`text` as the sandbox's Python expression. Python (Kapula's own) is returned unchanged.

    Raises ExpressionRefused naming the language when the text cannot be translated.
    """
    language = language_of(text, declared)
    stripped = text.strip()
    if language == "Python":
        return text
    if language == "JUEL":
        return _translate(stripped[2:-1], "JUEL", _JUEL_WORDS, _JUEL_OPS)
    if language == "FEEL":
        return _translate(stripped.removeprefix("="), "FEEL", _FEEL_WORDS, _FEEL_OPS)
    if language == "XPath" and stripped in ("true", "false", "true()", "false()"):
        return _LITERALS[stripped.removesuffix("()")]
    raise ExpressionRefused(language, "Kapula evaluates Python expressions, and translates only JUEL and FEEL")


def _translate(body: str, language: str, words: dict[str, str], ops: dict[str, str]) -> str:
    if not body.strip():
        raise ExpressionRefused(language, "the expression is empty")
    out: list[str] = []
    after_name = False
    for match in _TOKEN.finditer(body):
        kind, token = match.lastgroup, match.group(match.lastgroup or 0)
        is_name = kind == "name" and token not in words and token not in _LITERALS and token not in _RESERVED
        if is_name and after_name:
            raise ExpressionRefused(
                language,
                f"a name with spaces ('{out[-1]} {token}') is outside the subset Kapula translates; use names without spaces",
            )
        after_name = is_name
        if kind == "string":
            out.append(token if language == "JUEL" or token.startswith('"') else _refuse(language, token))
        elif kind == "number":
            out.append(token)
        elif kind == "name":
            out.append(_name(token, language, words))
        elif kind == "op" and token in ops:
            out.append(ops[token])
        else:
            _refuse(language, token)
    return " ".join(out)


def _name(token: str, language: str, words: dict[str, str]) -> str:
    if token in _LITERALS:
        return _LITERALS[token]
    if token in words:
        return words[token]
    if token in _RESERVED:
        _refuse(language, token)
    return token


def _refuse(language: str, token: str) -> str:
    what = "property access" if token == "." else "function calls and lists" if token in ",[]" else repr(token)
    raise ExpressionRefused(
        language, f"{what} is outside the subset Kapula translates (names, literals, comparisons, and/or/not)"
    )
