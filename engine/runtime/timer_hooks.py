"""SpiffWorkflow's timer events, read by Kapula's ISO 8601 rules (engine.expressions.timer_values).

SpiffWorkflow 3.2.0 (bpmn/specs/event_definitions/timer.py) evaluates every timer text as a Python
expression (so a bare `P7D` is an undefined name), reads a date without an offset in the server's
local time, accepts a cycle that repeats every 0 s forever, and raises plain ValueErrors that
escape as tracebacks. Installed once, on import, for every workflow: the three methods that turn a
timer text into a due time are replaced by ones that read literals as literals, use the network's
time zone, keep Kapula's bounds, and raise WorkflowTaskException naming the timer's element.
The stored `event_value` keeps SpiffWorkflow's shapes (an ISO text; for cycles a dict with
`cycles`, `next`, `duration`), so cases saved before still load and their due times still read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from engine.expressions.limits import ScriptRefusedError
from engine.expressions.timer_values import (
    MAX_CYCLE_FIRINGS,
    TimerValueError,
    due_after,
    literal_of,
    parse_cycle,
    parse_date,
)
from engine.runtime.labels import element_label


def _now() -> datetime:
    # the module's datetime is swapped for the clock-reading one by engine.runtime.timers
    now: datetime = _spiff_timer.datetime.now(UTC)
    return now


def _failure(my_task: Any, problem: str, cause: BaseException | None = None) -> WorkflowTaskException:
    return WorkflowTaskException(
        f"the timer of {element_label(my_task.task_spec)} cannot run: {problem}", task=my_task, exception=cause
    )


def timer_text(definition: Any, my_task: Any) -> str:
    """The ISO text of the timer: its literal, else the value of its expression (which must be text).
    Raises WorkflowTaskException naming the timer's element (name and id) and the expression when
    the expression cannot be evaluated on the case data or gives no text."""
    literal = literal_of(definition.expression)
    if literal is not None:
        return literal
    try:
        value = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    except WorkflowTaskException as exc:
        # the script engine's message ("Expression 'x' could not be evaluated: …") names no element;
        # its cause (a NameError, a sandbox refusal) stays chained for refusal_of and the logs
        cause = exc.__cause__
        if isinstance(cause, ScriptRefusedError):
            detail = f"it was refused: {cause.reason}"
        else:
            detail = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
        raise _failure(
            my_task, f"its expression {definition.expression!r} cannot be evaluated on the case data ({detail})", cause
        ) from exc
    if not isinstance(value, str):
        raise _failure(my_task, f"its expression {definition.expression!r} gave {value!r}, not an ISO 8601 text")
    return value


def _fire_if_due(my_task: Any, due: datetime) -> bool:
    if due <= _now():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


def _date_has_fired(self: Any, my_task: Any) -> bool:
    event_value = my_task._get_internal_data("event_value")
    try:
        if event_value is None:
            event_value = due_after("timeDate", timer_text(self, my_task), _now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        return _fire_if_due(my_task, parse_date(event_value))
    except TimerValueError as exc:
        raise _failure(my_task, str(exc)) from exc


def _duration_has_fired(self: Any, my_task: Any) -> bool:
    event_value = my_task._get_internal_data("event_value")
    try:
        if event_value is None:
            event_value = due_after("timeDuration", timer_text(self, my_task), _now()).isoformat()
            my_task._set_internal_data(event_value=event_value)
        return _fire_if_due(my_task, parse_date(event_value))
    except TimerValueError as exc:
        raise _failure(my_task, str(exc)) from exc


def _cycle_complete(self: Any, my_task: Any) -> bool:
    """True when the next firing of the cycle is due (the caller then adds a path); counts firings down."""
    event_value = my_task._get_internal_data("event_value")
    if event_value is None:
        try:
            cycle = parse_cycle(timer_text(self, my_task), _now())
        except TimerValueError as exc:
            raise _failure(my_task, str(exc)) from exc
        event_value = {"cycles": cycle.firings, "next": cycle.start.isoformat(), "duration": cycle.interval.total_seconds()}
    if event_value["cycles"] < 0:  # stored by SpiffWorkflow for `R/…` before Kapula bounded cycles
        event_value["cycles"] = MAX_CYCLE_FIRINGS
    ready = False
    if event_value["cycles"] != 0:
        next_event = datetime.fromisoformat(event_value["next"])
        if next_event <= _now():
            event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
            event_value["cycles"] -= 1
            ready = True
    else:
        my_task.internal_data.pop("event_value", None)
        my_task.internal_data["event_fired"] = True
    my_task._set_internal_data(event_value=event_value)
    return ready


_spiff_timer.TimeDateEventDefinition.has_fired = _date_has_fired
_spiff_timer.DurationTimerEventDefinition.has_fired = _duration_has_fired
_spiff_timer.CycleTimerEventDefinition.cycle_complete = _cycle_complete
