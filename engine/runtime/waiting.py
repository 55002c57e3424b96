"""What a case waits for besides people: its timers (with due times), messages and signals, and
the signals that would start one of its event subprocesses.

SpiffWorkflow's `waiting_events()` describes an event-based gateway as one `MultipleEventDefinition`
without a due time, so a case waiting there looked as if it waited for nothing. Here each catch
event after a gateway is listed on its own, with the due time the gateway keeps for it
(engine.runtime.event_gateway).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.util.task import TaskState

from engine.model import WaitingEvent
from engine.runtime.event_gateway import TIMERS_KEY
from engine.runtime.timers import parse_due

_KINDS = (
    (TimerEventDefinition, "timer"),
    (MessageEventDefinition, "message"),
    (SignalEventDefinition, "signal"),
    (ErrorEventDefinition, "error"),
    (EscalationEventDefinition, "escalation"),
    (ConditionalEventDefinition, "conditional"),
)


def pending_events(workflow: Any) -> list[tuple[Any, WaitingEvent]]:
    """(waiting task, event) for every event the case waits for, in the order the tasks began
    waiting. A gateway's events carry the id and name of the catch event after it."""
    found: list[tuple[Any, WaitingEvent]] = []
    for task in list(workflow.event_manager.tasks.values()):
        if not task.has_state(TaskState.WAITING):
            continue
        spec = task.task_spec
        definition = spec.event_definition
        if isinstance(spec, EventBasedGateway):
            for index, (branch, target) in enumerate(zip(definition.event_definitions, spec.outputs, strict=False)):
                state = task.internal_data.get(TIMERS_KEY, {}).get(str(index), {})
                found.append((task, _event(target, branch, state)))
        elif isinstance(definition, MultipleEventDefinition):
            found.extend((task, _event(spec, d, task.internal_data)) for d in definition.event_definitions)
        elif not isinstance(definition, NoneEventDefinition):
            found.append((task, _event(spec, definition, task.internal_data)))
    return found + _event_subprocess_signals(workflow)


def _event_subprocess_signals(workflow: Any) -> list[tuple[Any, WaitingEvent]]:
    """The signals that start an event subprocess of the case's own process. SpiffWorkflow keeps
    no waiting task for them (it starts the subprocess when the signal comes), so they are read
    from the spec. Message starts are left to the message routing (engine.runtime.messages)."""
    if workflow.completed:  # (is_completed() walks the whole task tree: a long loop's cost)
        return []
    found = []
    for name in getattr(workflow.spec.start, "trigger_specs", None) or []:
        sub_spec = workflow.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", None) or []:
            if isinstance(start.event_definition, SignalEventDefinition):
                found.append((workflow.task_tree, _event(start, start.event_definition, {})))
    return found


def _event(spec: Any, definition: Any, state: dict[str, Any]) -> WaitingEvent:
    kind = next((name for cls, name in _KINDS if isinstance(definition, cls)), "event")
    return WaitingEvent(
        element_id=getattr(spec, "bpmn_id", None) or spec.name,
        name=getattr(spec, "bpmn_name", None),
        kind=kind,
        due=parse_due(state.get("event_value")) if kind == "timer" else None,
        message=definition.name if kind in ("message", "signal", "error", "escalation") else None,
    )
