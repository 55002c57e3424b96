"""Expressions and scripts run over case data in the sandbox, checked first; no SpiffWorkflow.

`evaluate_expression` and `run_script` are the whole of Kapula's script language at run time:
each text is checked by engine.expressions.checks (refused with ScriptRefusedError before anything
runs), then evaluated by the simpleeval sandbox (engine.expressions.sandbox) under a CPU-time
budget. engine.runtime.script_engine hands SpiffWorkflow's calls to them.
"""

from __future__ import annotations

import ast
import copy
from collections import ChainMap
from typing import Any

from engine.data_limits import check_case_data
from engine.errors import InvalidDataError
from engine.expressions.allowed import OPERATORS
from engine.expressions.checks import analyse_expression, analyse_script
from engine.expressions.limits import MAX_TASK_DATA_UNITS, ScriptRefusedError, check_plain_data
from engine.expressions.sandbox import SandboxEvaluator, sandbox

DEFAULT_TIME_BUDGET = 0.5  # seconds of CPU time per evaluation


class ScriptLineError(Exception):
    """An ordinary (not refused) error raised by one line of a script; `error` is the original."""

    def __init__(self, line_number: int, error: Exception) -> None:
        super().__init__(f"line {line_number}: {type(error).__name__}: {error}")
        self.line_number = line_number
        self.error = error


def evaluate_expression(
    expression: str,
    context: dict[str, Any],
    external_context: dict[str, Any] | None = None,
    *,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> Any:
    """The value of `expression` over `context` (names missing there are looked up in `external_context`).

    Raises ScriptRefusedError when the text is refused or the value is not plain data,
    ScriptTimeoutError past `time_budget` seconds of CPU time, and the expression's own error
    (NameError, TypeError, ZeroDivisionError, …) when it fails.
    """
    analysis = analyse_expression(expression)
    if analysis.reason:
        raise ScriptRefusedError(analysis.reason)
    assert analysis.tree is not None  # an analysis without a reason has its tree
    with sandbox(ChainMap(context, external_context or {}), time_budget, expression) as evaluator:
        result = evaluator.run(analysis.tree.body)
    check_plain_data(result)
    return result


def run_script(
    script: str,
    context: dict[str, Any],
    external_context: dict[str, Any] | None = None,
    *,
    time_budget: float = DEFAULT_TIME_BUDGET,
) -> None:
    """Run an assignment-only script; `context` (the task data) receives the results.

    The script works on a copy that replaces the task data only if every line succeeds,
    so a refused or failing script leaves the task data exactly as it was. Raises
    ScriptRefusedError (with the line) when the script or what it would store is refused,
    ScriptTimeoutError past `time_budget`, ScriptLineError when a line fails.
    """
    analysis = analyse_script(script)
    if analysis.reason:
        raise ScriptRefusedError(analysis.reason, analysis.line_number)
    assert analysis.tree is not None  # an analysis without a reason has its tree
    work = copy.deepcopy(context)
    with sandbox(ChainMap(work, external_context or {}), time_budget, script) as evaluator:
        for statement in analysis.tree.body:
            try:
                _run_statement(evaluator, statement, work)
            except ScriptRefusedError as err:
                raise type(err)(f"line {statement.lineno}: {err.reason}", statement.lineno) from None
            except Exception as err:
                raise ScriptLineError(statement.lineno, err) from err
    check_plain_data(work, "the task data", limit=MAX_TASK_DATA_UNITS)
    _check_data_limits(work)
    context.clear()
    context.update(work)


def refusal_of(error: BaseException) -> ScriptRefusedError | None:
    """The sandbox refusal behind a (SpiffWorkflow) exception, if any.

    SpiffWorkflow's DMN engine re-wraps errors without `from`, so both `__cause__` and
    `__context__` are followed.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, ScriptRefusedError):
            return current
        seen.add(id(current))
        pending.extend([current.__cause__, current.__context__])
    return None


def _check_data_limits(work: dict[str, Any]) -> None:
    """What a script leaves in the task data is case data: the same limits as data from a form or the
    API (engine.data_limits: depth, size, text and list lengths, RFC 8259 numbers) apply before the
    step can store it, so a script cannot store what a person could not send."""
    try:
        check_case_data(work)
    except InvalidDataError as err:
        problem = err.message.removeprefix("case data: ")
        raise ScriptRefusedError(f"the data it would store breaks the data limits: {problem}") from None


def _run_statement(evaluator: SandboxEvaluator, node: ast.stmt, data: dict[str, Any]) -> None:
    if isinstance(node, ast.Assign):
        value = evaluator.run(node.value)
        for target in node.targets:
            _assign(evaluator, target, value, data)
    elif isinstance(node, ast.AugAssign):
        _augmented_assign(evaluator, node, data)
    elif isinstance(node, ast.Expr):
        evaluator.run(node.value)
    elif isinstance(node, ast.Delete):
        for target in node.targets:
            if not isinstance(target, ast.Name):  # the static check refused it already
                raise ScriptRefusedError("'del' of anything but a plain name is not allowed")
            if target.id not in data:
                raise NameError(f"name '{target.id}' is not defined")
            del data[target.id]
    elif not isinstance(node, ast.Pass):  # the static check lets nothing else through
        raise ScriptRefusedError(f"'{type(node).__name__}' is not allowed")


def _assign(evaluator: SandboxEvaluator, target: ast.AST, value: Any, data: dict[str, Any]) -> None:
    if isinstance(target, ast.Name):
        _check_not_function(value)
        data[target.id] = value
    elif isinstance(target, (ast.Tuple, ast.List)):
        if not isinstance(value, (list, tuple, str)):
            raise TypeError(f"cannot unpack a {type(value).__name__}")
        if len(value) != len(target.elts):
            raise ValueError(f"expected {len(target.elts)} values to unpack, got {len(value)}")
        for element, item in zip(target.elts, value, strict=True):
            _assign(evaluator, element, item, data)
    elif isinstance(target, ast.Subscript):
        container, key = _item_target(evaluator, target)
        _check_not_function(value)
        container[key] = value
    else:
        raise ScriptRefusedError(f"assigning to '{type(target).__name__}' is not allowed")


def _augmented_assign(evaluator: SandboxEvaluator, node: ast.AugAssign, data: dict[str, Any]) -> None:
    operation = OPERATORS[type(node.op)]
    if isinstance(node.target, ast.Name):
        current = evaluator.run(ast.Name(id=node.target.id, ctx=ast.Load()))
        value = evaluator.apply(operation, current, evaluator.run(node.value))
        _assign(evaluator, node.target, value, data)
    elif isinstance(node.target, ast.Subscript):
        container, key = _item_target(evaluator, node.target)
        value = evaluator.apply(operation, container[key], evaluator.run(node.value))
        _check_not_function(value)
        container[key] = value
    else:  # the static check lets only names and items through
        raise ScriptRefusedError(f"assigning to '{type(node.target).__name__}' is not allowed")


def _item_target(evaluator: SandboxEvaluator, target: ast.Subscript) -> tuple[Any, Any]:
    container = evaluator.run(target.value)
    if not isinstance(container, (dict, list)):
        raise ScriptRefusedError("only items of dicts and lists can be assigned")
    return container, evaluator.run(target.slice)


def _check_not_function(value: Any) -> None:
    # Values built inside the sandbox are checked as they are built; a bare name like 'len' is not.
    if callable(value):
        raise ScriptRefusedError("a function cannot be stored in task data")
