"""Event-based gateways that race timers (and messages) correctly.

SpiffWorkflow 3.2.0 moves the catch events that follow an event-based gateway into one
`MultipleEventDefinition` on the gateway (bpmn/specs/mixins/events/intermediate_event.py). Its
`has_fired` evaluates every timer against the gateway task's *one* `event_value`, so the second
timer reuses the first one's due time: a PT1H timer racing a PT2H timer fires both branches after
one hour. `_run_hook` also finds the winning branch with `list.index`, i.e. by equality, and two
unnamed timers of one class are equal, so the wrong branch could win.

BPMN 2.0 (section 10.5.6, "Event-Based Gateway"): the first event that occurs wins and the gateway's
other branches are withdrawn. Here each timer keeps its own due time (in the gateway task's
`kapula_timers[index]`), the earliest fired timer wins, and exactly one branch goes on. These are
replacements of the two SpiffWorkflow methods, applied once on import, so versions already stored
run by the same rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from engine.runtime.timers import parse_due

TIMERS_KEY = "kapula_timers"  # gateway task internal data: branch index -> that timer's own state

_original_has_fired = MultipleEventDefinition.has_fired


def timer_state(task: Any, index: int) -> dict[str, Any]:
    """The internal state of the gateway's `index`-th timer (its `event_value`, `event_fired`)."""
    timers: dict[str, dict[str, Any]] = task.internal_data.setdefault(TIMERS_KEY, {})
    return timers.setdefault(str(index), {})


def _timer_fired(task: Any, definition: TimerEventDefinition, index: int) -> bool:
    """Run the timer's own `has_fired` against its own state instead of the task's shared one."""
    shared = task.internal_data
    task.internal_data = timer_state(task, index)
    try:
        return bool(definition.has_fired(task))
    finally:
        task.internal_data = shared


def _due(task: Any, index: int) -> datetime:
    return parse_due(timer_state(task, index).get("event_value")) or datetime.max.replace(tzinfo=None)


def _gateway_has_fired(self: MultipleEventDefinition, my_task: Any) -> bool:
    if self.parallel or not isinstance(my_task.task_spec, EventBasedGateway):
        return bool(_original_has_fired(self, my_task))
    seen = my_task.internal_data.get("seen_events", [])
    if seen:
        return True  # a message or signal was caught first
    fired = [
        index
        for index, definition in enumerate(self.event_definitions)
        if isinstance(definition, TimerEventDefinition)
        and not isinstance(definition, CycleTimerEventDefinition)
        and _timer_fired(my_task, definition, index)
    ]
    if fired:
        first = min(fired, key=lambda i: _due(my_task, i).replace(tzinfo=None))
        my_task.internal_data["seen_events"] = [BpmnEvent(self.event_definitions[first])]
        return True
    return False


def _branch_of(spec: EventBasedGateway, event: BpmnEvent) -> int:
    definitions = spec.event_definition.event_definitions
    for index, definition in enumerate(definitions):
        if definition is event.event_definition:
            return index
    return int(definitions.index(event.event_definition))  # a thrown message: equal by name


def _gateway_run_hook(self: EventBasedGateway, my_task: Any) -> bool:
    seen = my_task.internal_data.get("seen_events", [])[:1]  # the first event wins
    matches = []
    for event in seen:
        index = _branch_of(self, event)
        definition = self.event_definition.event_definitions[index]
        definition.catch(my_task, event)
        definition.update_task_data(my_task)  # a message's payload becomes the task's data
        matches.append(my_task.children[index].task_spec)
    my_task._sync_children(matches, TaskState.FUTURE)
    for child in my_task.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
    return True


MultipleEventDefinition.has_fired = _gateway_has_fired
EventBasedGateway._run_hook = _gateway_run_hook
