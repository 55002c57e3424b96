"""The stepping API: the only calls that move a live case, and what the services may ask of one.

A step is one of start, complete a user task, cancel, fire due timers, deliver a message. Each
runs SpiffWorkflow until the case waits again, under the injected Clock (engine.runtime.timers),
and returns a `StepResult`; a failure of the diagram is raised as a CaseStepError naming the
element, with SpiffWorkflow's words in its `detail`. The queries (`ready_tasks`,
`ready_user_task`, `waits_for_message`, …) answer in Kapula's types too, so engine/services and
engine/case_store hold a `LiveCase` but never SpiffWorkflow's tasks, workflows or states
(tests/unit/test_architecture.py).

What a step leaves the case waiting for (its ready user tasks, its events) is read after the
step is written, not put into its StepResult: the save numbers the tasks the step created (the
ready list is in that order), and a message passed on in the same use case can move the case
again (engine.services.routing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Protocol
from uuid import UUID

from engine.clock import Clock
from engine.errors import CaseStepError, ConflictError
from engine.model import WaitingEvent
from engine.runtime.case_state import LiveCase, SpecBundle, TaskRow, Transition, all_tasks, task_row
from engine.runtime.labels import element_name
from engine.runtime.messages import Thrown, caught_message, deliver, waiting_tasks
from engine.runtime.messages import take_thrown as _take_thrown
from engine.runtime.multi_instance import instance_item, shown_data, stored_instance_item
from engine.runtime.states import READY, StepFailure, state_name
from engine.runtime.timers import clock_context
from engine.runtime.waiting import pending_events

__all__ = [
    "MessageReceiver",
    "ReadyTask",
    "Resolver",
    "StepResult",
    "Thrown",
    "all_task_rows",
    "cancel",
    "case_data",
    "complete",
    "correlations",
    "deliver_message",
    "failed_element",
    "fire_timers",
    "is_completed",
    "message_receivers",
    "ready_tasks",
    "ready_user_task",
    "start",
    "step_failed",
    "stored_item",
    "subprocess_task_lane",
    "take_thrown",
    "transition_caught",
    "transition_element",
    "waiting_events",
    "waits_for_message",
]


class Resolver(Protocol):
    """Names a live task by its version's elements (engine.definitions.DeployedVersion)."""

    def resolve(self, task: Any) -> tuple[Any, str | None, str]:
        """(element info, lane, scope: the process whose drawing holds the element)."""
        ...

    def element(self, element_id: str | None, scope: str | None = None) -> Any:
        """The element's info (its `name`, …) in process `scope`, or None."""
        ...


@dataclass(frozen=True)
class ReadyTask:
    """A user task of a live case that a person can complete now."""

    id: str  # the task's id (a UUID's text, as task rows and views carry it)
    element_id: str  # its element's id in the drawing of its process (`scope`), not 'process:element'
    name: str | None  # the element's name as the diagram gives it
    lane: str | None  # the lane it is done in (a called process without lanes: its call activity's)
    scope: str  # the process whose drawing holds the element: the version's key or a called process's id
    item: tuple[str, Any] | None = None  # an instance of a multi-instance task: (input item name, value)


@dataclass(frozen=True)
class StepResult:
    """What one step did to a live case, in Kapula's types.

    `completed`: the case reached its end (or, for a cancellation, was ended); `changed`: the data
    the step handed in (a completion's form data, a message's payload, a retry's fixed data);
    `acted`: the id of the user task a person completed; `caught`: how many of the case's tasks
    caught a delivered message (0: nothing ran)."""

    completed: bool
    changed: Mapping[str, Any] = field(default_factory=dict)
    acted: str | None = None
    caught: int = 0


def start(live: LiveCase, data: Mapping[str, Any], *, clock: Clock, case_id: int | None = None) -> StepResult:
    """Start a new case with `data` (checked case data) on its start event and run it until it
    waits. Raises CaseStepError."""
    with _step(clock, case_id):
        workflow = live.workflow
        first = workflow.get_next_task(state=READY, spec_name="Start")
        if first is not None:
            first.data.update(data)
        workflow.run_engine()
    return StepResult(completed=bool(live.workflow.completed), changed=dict(data))


def ready_user_task(live: LiveCase, task_id: str, resolver: Resolver, *, case_id: int) -> ReadyTask:
    """The ready user task `task_id` of the case. Raises ConflictError when the case no longer holds
    it (a case restored from its open part holds no finished tasks) or it is not ready: it was
    completed or withdrawn meanwhile."""
    task = _task(live, task_id)
    if task is None:
        raise ConflictError(
            f"task {task_id} is not ready any more; it was probably completed by someone else", case_id=case_id, task_id=task_id
        )
    if not (task.task_spec.manual and task.has_state(READY)):
        raise ConflictError(
            f"task {task_id} ('{task.task_spec.bpmn_name or task.task_spec.bpmn_id}') is not ready "
            f"(it is {state_name(task.state)}); it was probably completed by someone else",
            case_id=case_id,
            task_id=task_id,
        )
    return _ready(task, resolver)


def complete(live: LiveCase, task: ReadyTask, data: Mapping[str, Any], *, clock: Clock, case_id: int) -> StepResult:
    """Complete the ready user task `task` (from ready_user_task) with `data` (checked case data)
    and run the case until it waits again. Raises ConflictError when the task is not in the case
    any more, CaseStepError when the diagram fails."""
    found = _task(live, task.id)
    if found is None:
        raise ConflictError(
            f"task {task.id} is not ready any more; it was probably completed by someone else", case_id=case_id, task_id=task.id
        )
    with _step(clock, case_id):
        found.data.update(data)
        found.run()
        live.workflow.run_engine()
    return StepResult(completed=bool(live.workflow.completed), changed=dict(data), acted=task.id)


def cancel(live: LiveCase) -> StepResult:
    """End the case: every unfinished task is cancelled (BPMN's terminate from outside)."""
    live.workflow.cancel()
    return StepResult(completed=True)


def fire_timers(live: LiveCase, data: Mapping[str, Any] | None = None, *, clock: Clock, case_id: int) -> StepResult:
    """Fire the timers that are due by `clock` and run the case until it waits again; `data`
    (checked case data, a retry's fixes) is handed first to the tasks the step starts from
    (KapulaWorkflow.hand_data). A case with nothing due just runs what is ready (a retry). Raises
    CaseStepError."""
    with _step(clock, case_id):
        workflow = live.workflow
        workflow.refresh_timers()
        # after the refresh: a waiting task takes its parent's data again when updated
        workflow.hand_data(dict(data or {}))
        workflow.run_engine()
    return StepResult(completed=bool(live.workflow.completed), changed=dict(data or {}))


def deliver_message(
    live: LiveCase, name: str, payload: Any, *, correlations: dict[str, Any] | None = None, clock: Clock, case_id: int
) -> StepResult:
    """Hand message `name` with `payload` to the case's tasks that wait for it, matched by
    `correlations` (None: the case's own, a message addressed to this very case), and, when one
    caught it, run the case until it waits again. Raises CaseStepError."""
    with _step(clock, case_id):
        caught = deliver(live.workflow, name, payload, correlations)
        if caught:
            live.workflow.run_engine()
    changed = payload if isinstance(payload, Mapping) else {}
    return StepResult(completed=bool(live.workflow.completed), changed=dict(changed), caught=caught)


def waits_for_message(live: LiveCase, name: str) -> bool:
    """Whether a task of the case waits for message `name` now."""
    return bool(waiting_tasks(live.workflow, name))


class MessageReceiver(NamedTuple):
    """An element of a live case that waits for a message now."""

    element_id: str  # its id in the drawing of `scope`
    scope: str  # the process whose drawing holds it
    lane: str | None  # the lane that works it: a called process without lanes takes its call activity's


def message_receivers(live: LiveCase, name: str, resolver: Resolver) -> list[MessageReceiver]:
    """Each element of the case that waits for message `name` now, in the order they began waiting."""
    found = []
    for task in waiting_tasks(live.workflow, name):
        _info, lane, scope = resolver.resolve(task)
        found.append(MessageReceiver(task.task_spec.bpmn_id or "", scope, lane))
    return found


def waited_messages(live: LiveCase) -> list[str]:
    """The names of the messages the case waits for now, each once, in the order it began waiting."""
    names = [event.message for _task, event in pending_events(live.workflow) if event.kind == "message" and event.message]
    return list(dict.fromkeys(names))


def take_thrown(live: LiveCase) -> list[Thrown]:
    """The messages the case's steps threw for other cases since last asked, taken out of it."""
    return _take_thrown(live.workflow)


def correlations(live: LiveCase) -> dict[str, Any]:
    """The case's values of its diagram's correlation keys: {key: {property: value}}."""
    return dict(live.workflow.correlations)


def is_completed(live: LiveCase) -> bool:
    """Whether the case has ended (completed, or cancelled)."""
    return bool(live.workflow.completed)


def ready_tasks(live: LiveCase, resolver: Resolver) -> list[ReadyTask]:
    """The case's ready user tasks in the order they were stored (the save numbers new tasks)."""
    ordinals = live.ordinals
    found = sorted(live.workflow.get_tasks(state=READY, manual=True), key=lambda t: ordinals[t.id])
    return [_ready(task, resolver) for task in found]


def case_data(live: LiveCase) -> dict[str, Any]:
    """The data a person sees for the case: the last completed task's data, or the final data."""
    workflow = live.workflow
    source = shown_data(workflow.last_task) if workflow.last_task is not None else {}
    if workflow.completed and workflow.data:
        source = {**source, **workflow.data}
    return {k: v for k, v in source.items() if k != "data_objects" and not callable(v)}


def waiting_events(live: LiveCase, resolver: Resolver) -> tuple[WaitingEvent, ...]:
    """The events the case waits for (engine.runtime.waiting), named as the version's elements are."""
    out = []
    for task, event in pending_events(live.workflow):
        info = resolver.element(event.element_id, resolver.resolve(task)[2])
        out.append(replace(event, name=(info.name if info else None) or event.name))
    return tuple(out)


def subprocess_task_lane(live: LiveCase, workflow_id: str, task_id: str, resolver: Resolver) -> str | None:
    """The lane of task `task_id` of the case's subprocess `workflow_id` (None when gone)."""
    sub = live.workflow.subprocesses.get(UUID(workflow_id))
    task = sub.tasks.get(UUID(task_id)) if sub is not None else None
    return resolver.resolve(task)[1] if task is not None else None


def stored_item(bundle: SpecBundle, element_id: str, body: str) -> tuple[str, Any] | None:
    """A stored task row's multi-instance input (name, value), read from its element id and JSON
    body (engine.runtime.multi_instance), for the version whose spec is `bundle`; else None."""
    return stored_instance_item([bundle.spec, *bundle.subprocess_specs.values()], element_id, body)


def transition_element(transition: Transition) -> tuple[str, str | None, str]:
    """(element id, its name as the spec gives it, SpiffWorkflow's kind of spec) of the task of a
    lifecycle transition (case_state.collect_changes), for the step's event rows."""
    spec = transition.task.task_spec
    return spec.bpmn_id, spec.bpmn_name, type(spec).__name__


def transition_caught(transition: Transition, name: str) -> bool:
    """Whether the task of a lifecycle transition receives message `name`."""
    return caught_message(transition.task, [name]) is not None


def all_task_rows(live: LiveCase) -> list[TaskRow]:
    """A row for every task of the case that has a number, written anew (after a migration); not
    for the predicted tasks the header holds (case_state.collect_changes)."""
    registry = live.bundle.serializer.registry
    return [
        task_row(wf_id, task, live.ordinals[task.id], registry, True)
        for wf_id, task in all_tasks(live.workflow)
        if task.id in live.ordinals and task.id not in live.unstored
    ]


def failed_element(exc: BaseException) -> tuple[str | None, str | None] | None:
    """(element id, name) where SpiffWorkflow's step failure `exc` happened, or None when `exc` is
    not one. Its task errors carry the task; a WorkflowException (e.g. "No conditions satisfied
    for Gw") only the spec."""
    if isinstance(exc, CaseStepError):
        return (exc.element_id, exc.element_name) if exc.detail is not None else None
    task = getattr(exc, "task", None)
    if not isinstance(exc, StepFailure) and task is None:
        return None
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    return getattr(spec, "bpmn_id", None), element_name(spec)


def step_failed(exc: BaseException, case_id: int | None) -> CaseStepError:
    """SpiffWorkflow's failure `exc` as the author reads it: the element's name and id (issue 10,
    item 9), and the error."""
    element_id, name = failed_element(exc) or (None, None)
    where = (
        f" in '{name}' ({element_id})" if name and element_id else f" in '{name or element_id}'" if (name or element_id) else ""
    )
    detail = str(exc).strip() or exc.__class__.__name__
    return CaseStepError(
        f"the case's diagram failed{where}: {detail}", case_id=case_id, element_id=element_id, element_name=name, detail=detail
    )


@contextmanager
def _step(clock: Clock, case_id: int | None) -> Iterator[None]:
    """SpiffWorkflow's timers read `clock`; its failures leave as CaseStepError."""
    try:
        with clock_context(clock):
            yield
    except StepFailure as exc:
        raise step_failed(exc, case_id) from exc


def _task(live: LiveCase, task_id: str) -> Any:
    try:
        return live.workflow.get_task_from_id(UUID(task_id))
    except Exception:  # SpiffWorkflow raises TaskNotFoundException or KeyError by version
        return None


def _ready(task: Any, resolver: Resolver) -> ReadyTask:
    spec = task.task_spec
    _info, lane, scope = resolver.resolve(task)
    return ReadyTask(
        id=str(task.id), element_id=spec.bpmn_id or "", name=spec.bpmn_name, lane=lane, scope=scope, item=instance_item(task)
    )
