"""Messages between cases: what a step threw for other pools, and handing a message to a case.

SpiffWorkflow runs one process per workflow. A message thrown (intermediate throw event, message
end event, send task) that no task of the same workflow catches is kept in `workflow.bpmn_events`
(`BpmnWorkflow.get_events`, bpmn/util/event.py `EventManager.catch`); Kapula takes those after each
step (`take_thrown`) and the service layer hands each to the case it is for (engine.services.messages),
through SpiffWorkflow's own `EventManager.catch` (`deliver`), so correlation, boundary events,
receive tasks and event-based gateways behave as SpiffWorkflow defines them.

What a message carries. A message with a payload expression (SpiffWorkflow's `messagePayload`,
Camunda's expression) carries its value, as those dialects define. A plain BPMN message carries
the sending task's data and the catching element merges it into its case's data, which is the
BPMN default of SpiffWorkflow's base `MessageEventDefinition`; its SpiffWorkflow and Camunda
subclasses sent nothing, or crashed, without an expression. A payload that is not a record (an
expression's value such as a text) is kept under the message's name instead of failing the step.
Installed once, on import.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import ThrowingEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition as CamundaMessage
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition as SpiffMessage
from SpiffWorkflow.util.task import TaskState

_THROWER = "kapula_thrower"  # attribute of a thrown BpmnEvent: (task id, element id) of its thrower


@dataclass(frozen=True)
class Thrown:
    """A message a step threw that its own case did not catch: for another case."""

    name: str
    payload: Any
    correlations: dict[str, Any] = field(default_factory=dict)
    task_id: UUID | None = None  # the throwing task
    element_id: str | None = None  # the throwing element


@dataclass(frozen=True)
class Catcher:
    """An element of a version that receives a message: its id, name and whether it starts a case."""

    element_id: str
    name: str | None
    starts: bool


def take_thrown(workflow: Any) -> list[Thrown]:
    """The messages the step threw for other cases, taken out of the workflow (other events stay)."""
    kept, out = [], []
    for event in workflow.bpmn_events:
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            kept.append(event)
            continue
        task_id, element_id = getattr(event, _THROWER, (None, None))
        out.append(Thrown(definition.name, event.payload, dict(event.correlations or {}), task_id, element_id))
    workflow.bpmn_events = kept
    return out


def _messages_of(definition: Any) -> list[Any]:
    if isinstance(definition, MessageEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, MessageEventDefinition)]
    return []


def catchers(bundle: Any) -> dict[str, list[Catcher]]:
    """Every message name the version receives, with the elements that receive it (start events of
    the process itself start a case; intermediate, boundary, receive-task and event-subprocess
    catches resume one). Sorted by element id, for stable messages."""
    found: dict[str, list[Catcher]] = {}
    starts = {id(spec) for spec in bundle.spec.start.outputs}
    for process in [bundle.spec, *bundle.subprocess_specs.values()]:
        for spec in process.task_specs.values():
            if isinstance(spec, ThrowingEvent) or getattr(spec, "bpmn_id", None) is None:
                continue
            for definition in _messages_of(getattr(spec, "event_definition", None)):
                if definition.name is None:
                    # no name to address it by: uploads name such a message by its id or keep the
                    # process documentation only (82f20de, 56fbb73); versions deployed before that can
                    # still hold one, and it must not end up among the names (sorting None failed)
                    continue
                found.setdefault(definition.name, []).append(Catcher(spec.bpmn_id, spec.bpmn_name, id(spec) in starts))
    return {name: sorted(items, key=lambda c: c.element_id) for name, items in found.items()}


def thrown_names(bundle: Any) -> set[str]:
    """The message names the version's throwing elements send."""
    names: set[str] = set()
    for process in [bundle.spec, *bundle.subprocess_specs.values()]:
        for spec in process.task_specs.values():
            if isinstance(spec, ThrowingEvent):
                names.update(d.name for d in _messages_of(getattr(spec, "event_definition", None)))
    return names


def waiting_tasks(workflow: Any, name: str) -> list[Any]:
    """The case's tasks that wait for message `name` now, in the order they began waiting."""
    return [
        task
        for task in list(workflow.event_manager.tasks.values())
        if task.has_state(TaskState.WAITING) and any(d.name == name for d in _messages_of(task.task_spec.event_definition))
    ]


def deliver(workflow: Any, name: str, payload: Any, correlations: dict[str, Any] | None = None) -> int:
    """Hand message `name` to the case's tasks that wait for it (SpiffWorkflow's catch); returns how
    many caught it. The event is built from the receiving element's own definition, so a message
    between versions or dialects is still equal to what the element waits for. Without
    `correlations` the case's own are used: a message addressed to this very case."""
    tasks = waiting_tasks(workflow, name)
    if not tasks:
        return 0
    definition = next(d for d in _messages_of(tasks[0].task_spec.event_definition) if d.name == name)
    keys = dict(workflow.correlations) if correlations is None else correlations
    event = BpmnEvent(definition, payload=deepcopy(payload), correlations=keys)
    try:
        return int(workflow.event_manager.catch(event, internal=False))
    except WorkflowException:
        raise
    except Exception as exc:  # noqa: BLE001 - the diagram's expressions on untrusted data: a failed step
        raise WorkflowTaskException(f"receiving message '{name}' failed: {exc}", task=tasks[0]) from exc


def caught_message(task: Any, names: Iterable[str]) -> str | None:
    """The message among `names` that `task`'s element receives, if it receives one of them."""
    if isinstance(task.task_spec, ThrowingEvent):
        return None
    wanted = set(names)
    return next((d.name for d in _messages_of(getattr(task.task_spec, "event_definition", None)) if d.name in wanted), None)


# -- what a message carries (see the module docstring) -------------------------------------------

_base_throw = MessageEventDefinition.throw
_base_internal = MessageEventDefinition.update_internal_data
_spiff_throw = SpiffMessage.throw
_spiff_task_data = SpiffMessage.update_task_data
_camunda_throw = CamundaMessage.throw
_camunda_task_data = CamundaMessage.update_task_data
_camunda_internal = CamundaMessage.update_internal_data


def _correlations(self: Any, script_engine: Any, properties: Any, ctx: Any) -> dict[str, Any]:
    # SpiffWorkflow means to "just ignore missing keys" (message.py), but evaluates outside its try:
    # a message whose data lacks a property failed the whole step. A property not in the data is left
    # out, and the case is then found by its other keys or its conversation.
    correlations: dict[str, Any] = {}
    for prop in properties:
        try:
            value = script_engine.environment.evaluate(prop.retrieval_expression, ctx)
        except Exception:  # noqa: BLE001 - see above
            continue
        for key in prop.correlation_keys:
            correlations.setdefault(key, {})[prop.name] = value
    return correlations


def _camunda_shaped(payload: Any) -> bool:
    return isinstance(payload, dict) and set(payload) == {"payload", "result_var"}


def _tagged(throw: Any) -> Any:
    def tagged_throw(self: Any, my_task: Any) -> None:
        top = my_task.workflow.top_workflow
        before = len(top.bpmn_events)
        throw(self, my_task)
        for event in top.bpmn_events[before:]:
            if not hasattr(event, _THROWER):
                setattr(event, _THROWER, (my_task.id, getattr(my_task.task_spec, "bpmn_id", None)))

    return tagged_throw


def _merged(self: Any, my_task: Any) -> None:
    # SpiffWorkflow merges the payload with set_data(**payload), a TypeError for a payload expression
    # whose value is not a record: such a value is kept under the message's name
    payload = my_task.internal_data.get(self.name)
    if payload is None:
        return
    if isinstance(payload, dict) and all(isinstance(k, str) for k in payload):
        my_task.set_data(**payload)
    else:
        my_task.set_data(**{self.name if str(self.name).isidentifier() else "message": payload})


def _spiff_plain_throw(self: Any, my_task: Any) -> None:
    (_spiff_throw if self.expression is not None else _base_throw)(self, my_task)


def _spiff_plain_task_data(self: Any, my_task: Any) -> None:
    (_spiff_task_data if self.message_var is not None else _merged)(self, my_task)


def _camunda_plain_throw(self: Any, my_task: Any) -> None:
    (_camunda_throw if self.expression else _base_throw)(self, my_task)


def _camunda_plain_internal(self: Any, my_task: Any, event: Any) -> None:
    (_camunda_internal if _camunda_shaped(event.payload) else _base_internal)(self, my_task, event)


def _camunda_plain_task_data(self: Any, my_task: Any) -> None:
    stored = my_task.internal_data.get(self.name)
    (_camunda_task_data if _camunda_shaped(stored) else _merged)(self, my_task)


MessageEventDefinition.throw = _tagged(_base_throw)
MessageEventDefinition.calculate_correlations = _correlations
MessageEventDefinition.update_task_data = _merged
SpiffMessage.throw = _tagged(_spiff_plain_throw)
SpiffMessage.update_task_data = _spiff_plain_task_data
CamundaMessage.throw = _tagged(_camunda_plain_throw)
CamundaMessage.update_internal_data = _camunda_plain_internal
CamundaMessage.update_task_data = _camunda_plain_task_data
