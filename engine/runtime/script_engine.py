"""SafeScriptEngine: SpiffWorkflow's script engine with every expression and script run in a simpleeval sandbox.

The sandbox itself (checks, limits, evaluation) is engine.expressions, free of SpiffWorkflow; this module
hands SpiffWorkflow's calls to it and turns its refusals and failures into WorkflowTaskException
naming the task.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.expressions.checks import analyse_expression
from engine.expressions.evaluation import DEFAULT_TIME_BUDGET, ScriptLineError, evaluate_expression, run_script
from engine.expressions.limits import ScriptRefusedError
from engine.runtime.labels import element_label

__all__ = ["SafeEnvironment", "SafeScriptEngine"]

_SHOWN_SOURCE_LENGTH = 80


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Sandboxed replacement for TaskDataEnvironment.

    SpiffWorkflow calls `script_engine.environment.evaluate` directly in a few places (event
    subprocess completion conditions, conditional paths, message correlations), so the
    environment itself must be safe, not just the engine's methods. Holds no per-call state.
    """

    def __init__(self, time_budget: float = DEFAULT_TIME_BUDGET) -> None:
        super().__init__()
        if time_budget <= 0:
            raise ValueError("time_budget must be positive")
        self.time_budget = time_budget

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        return evaluate_expression(expression, context, external_context, time_budget=self.time_budget)

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        """Run an assignment-only script; `context` (the task data) receives the results, only if every line succeeds."""
        run_script(script, context, external_context, time_budget=self.time_budget)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefusedError("service calls are not available to uploaded diagrams")


class SafeScriptEngine(PythonScriptEngine):
    """Script engine for untrusted diagrams: stateless, so one instance can serve every workflow and thread."""

    environment: SafeEnvironment  # set by PythonScriptEngine.__init__ from the argument below

    def __init__(self, time_budget: float = DEFAULT_TIME_BUDGET) -> None:
        super().__init__(environment=SafeEnvironment(time_budget))

    @property
    def time_budget(self) -> float:
        return self.environment.time_budget

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if unparsable (SpiffWorkflow's DMN engine relies on that), ScriptRefusedError if unsafe."""
        analysis = analyse_expression(expression)
        if analysis.syntax_error is not None:
            raise SyntaxError(*analysis.syntax_error)
        if analysis.reason:
            message = f"Expression '{_shorten(expression)}' was refused: {analysis.reason}"
            raise ScriptRefusedError(analysis.reason, message=message)

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        shown = _shorten(expression)
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptRefusedError as err:
            raise WorkflowTaskException(f"Expression '{shown}' was refused: {err.reason}", task=task, exception=err) from err
        except Exception as err:
            raise WorkflowTaskException(
                f"Expression '{shown}' could not be evaluated: {type(err).__name__}: {err}", task=task, exception=err
            ) from err

    def execute(self, task: Any, script: str, external_context: dict[str, Any] | None = None) -> bool:
        label = _task_label(task)
        try:
            return self.environment.execute(script, task.data, external_context)
        except ScriptRefusedError as err:
            raise WorkflowTaskException(
                f"Script of task {label} was refused: {err.reason}",
                task=task,
                exception=err,
                line_number=err.line_number,
                error_line=_source_line(script, err.line_number),
            ) from err
        except ScriptLineError as err:
            raise WorkflowTaskException(
                f"Script of task {label} failed at {err}",
                task=task,
                exception=err.error,
                line_number=err.line_number,
                error_line=_source_line(script, err.line_number),
            ) from err.error

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        refusal = ScriptRefusedError("service calls are not available to uploaded diagrams")
        raise WorkflowTaskException(
            f"Service task {_task_label(task)} was refused: {refusal.reason}",
            task=task,
            exception=refusal,
        ) from refusal


def _task_label(task: Any) -> str:
    return element_label(task.task_spec)


def _shorten(source: Any) -> str:
    text = " ".join(str(source).split())
    return text if len(text) <= _SHOWN_SOURCE_LENGTH else text[: _SHOWN_SOURCE_LENGTH - 3] + "..."


def _source_line(script: str, line_number: int | None) -> str | None:
    lines = script.splitlines()
    if line_number and 0 < line_number <= len(lines):
        return lines[line_number - 1]
    return None
