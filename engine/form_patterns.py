"""Why a form's pattern cannot run, in the words of the form's author (RE2's own are terse).

Forms' patterns run on RE2 (engine.forms): linear time, so a pattern cannot hold up the server,
at the price of the constructs that need backtracking. RE2 says `invalid escape sequence: \\1`
or `invalid perl operator: (?=`; the author reads what is not supported, and where.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from engine.errors import excerpt

# (what RE2's message or the pattern shows, what the author reads); first match wins
_UNSUPPORTED = (
    (re.compile(r"\\[1-9]|\\k|\(\?P="), "back-references (such as \\1 or (?P=name))"),
    (re.compile(r"\(\?<[=!]"), "look-behind ((?<=…) and (?<!…))"),
    (re.compile(r"\(\?[=!]"), "look-ahead ((?=…) and (?!…))"),
    (re.compile(r"\(\?>"), "atomic groups ((?>…))"),
    (re.compile(r"[*+?}]\+"), "possessive repetition (such as a++)"),
)
_RE2 = "forms' patterns run on RE2 (linear time, no backtracking), which does not support them"


def pattern_problem(pattern: str, re2_message: str) -> str:
    """Plain words for a `pattern` that RE2 refused with `re2_message`: the construct that is not
    supported (back-references, look-arounds…), else RE2's reason; the pattern is quoted, its first
    80 characters and "…" when longer (engine.errors.excerpt)."""
    # RE2 reports a named back-reference (?P=name) as "invalid perl operator: (?P"
    shown = re2_message + (" (?P=" if "(?P" in re2_message and "(?P=" in pattern else "")
    for sign, construct in _UNSUPPORTED:
        if sign.search(shown):
            return f"the pattern '{excerpt(pattern)}' uses {construct}: {_RE2}"
    # RE2's reason quotes the rest of the pattern from the fault ("missing ): (((…"): cut both
    return f"the pattern '{excerpt(pattern)}' is not a pattern RE2 can run ({excerpt(re2_message)})"


def pattern_place(path: Sequence[object]) -> str:
    """Where in a form a pattern sits, from its JSON Schema path: "field 'a.b'" for `pattern` or
    `propertyNames` under `properties`, "a patternProperties name" for a key of `patternProperties`."""
    fields: list[str] = []
    parts = [str(p) for p in path]
    for before, part in zip(parts, parts[1:], strict=False):
        if before == "properties":
            fields.append(part)
    where = f"field '{'.'.join(fields)}'" if fields else "the form"
    if parts and parts[-1] == "patternProperties":
        return f"a patternProperties name{' of ' + where if fields else ''}"
    if "propertyNames" in parts:
        return f"the propertyNames of {where}"
    return where
