"""One DMN cell: an input entry read as FEEL unary tests or as a SpiffWorkflow (Python) test; an output entry's value.

An input entry is first read as FEEL's common unary tests (engine.runtime.feel). What is not
written in that subset keeps SpiffWorkflow's reading (dmn/engine/DMNEngine.py): a `?` stands for
the input (`100 <= ? < 1000`), an expression is compared with the input (`"a" + "b"`), and
anything else is completed by the input on its left (`in ("a", "b")`). Those run in the sandbox.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from engine.runtime.feel import FeelNameError, UnaryTests, parse_literal, parse_unary_tests
from engine.runtime.script_checks import analyse_expression

INPUT_NAME = "dmninputexpr"  # the name SpiffWorkflow's own DMN engine gives the input in a `?` test
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")  # a '?' outside quotes (Spiff's rule)


@dataclass(frozen=True)
class CellMatcher:
    """How to test an input value against one cell; `always` for `-` and empty cells."""

    feel: UnaryTests | None = None
    python: str | None = None

    @property
    def always(self) -> bool:
        return self.feel is not None and not self.feel.tests and not self.feel.negated

    def matches(self, value: Any, task: Any) -> bool:
        if self.feel is not None:
            try:
                return self.feel.matches(value, task.data)
            except FeelNameError as exc:
                raise WorkflowTaskException(str(exc), task=task) from exc
        result = task.workflow.script_engine.evaluate(task, self.python, external_context={INPUT_NAME: value})
        return bool(result)


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
            return None, ("is neither a FEEL unary test (such as \"a\",\"b\" or [1..5] or < 10 or not(\"x\")) "
                          "nor a Python test")
        return None, f"is refused: {analysis.reason}"
    return CellMatcher(python=candidates[0]), None


def output_value(text: str | None, task: Any) -> Any:
    """The value of an output entry: empty is null, a FEEL literal is itself, anything else a sandboxed expression."""
    cell = (text or "").strip()
    if not cell:
        return None
    is_literal, literal = parse_literal(cell)
    if is_literal:
        return literal
    return task.workflow.script_engine.evaluate(task, cell)
