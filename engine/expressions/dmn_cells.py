"""One DMN input cell read as FEEL unary tests or as a SpiffWorkflow-style (Python) test; no SpiffWorkflow.

An input entry is first read as FEEL's common unary tests (engine.expressions.feel). What is not
written in that subset keeps SpiffWorkflow's reading (dmn/engine/DMNEngine.py): a `?` stands for
the input (`100 <= ? < 1000`), an expression is compared with the input (`"a" + "b"`), and
anything else is completed by the input on its left (`in ("a", "b")`). Those run in the sandbox,
through the case's script engine (engine.runtime.dmn); the same reading checks a cell at upload.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from engine.expressions.checks import analyse_expression
from engine.expressions.feel import UnaryTests, parse_unary_tests

INPUT_NAME = "dmninputexpr"  # the name SpiffWorkflow's own DMN engine gives the input in a `?` test
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # a '?' outside quotes (Spiff's rule)


@dataclass(frozen=True)
class CellMatcher:
    """How to test an input value against one cell: FEEL unary tests, or a Python test naming the input
    `INPUT_NAME`; `always` for `-` and empty cells."""

    feel: UnaryTests | None = None
    python: str | None = None

    @property
    def always(self) -> bool:
        return self.feel is not None and not self.feel.tests and not self.feel.negated


@functools.lru_cache(maxsize=4096)
def cell_matcher(text: str | None) -> tuple[CellMatcher | None, str | None]:
    """(matcher, None) for a cell Kapula can run, else (None, why not)."""
    feel = parse_unary_tests(text)
    if feel is not None:
        return CellMatcher(feel=feel), None
    cell = (text or "").strip()
    if _QUESTION_MARK.search(cell):
        candidates = [_QUESTION_MARK.sub(INPUT_NAME, cell)]
    elif analyse_expression(cell).syntax_error is None:
        candidates = [f"({INPUT_NAME}) == ({cell})"]
    else:
        candidates = [f"{INPUT_NAME} {cell}"]
    analysis = analyse_expression(candidates[0])
    if analysis.reason:
        if analysis.syntax_error is not None:
            return None, ('is neither a FEEL unary test (such as "a","b" or [1..5] or < 10 or not("x")) nor a Python test')
        return None, f"is refused: {analysis.reason}"
    return CellMatcher(python=candidates[0]), None
