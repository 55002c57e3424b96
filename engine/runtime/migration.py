"""Moving a running case's workflow from one version's spec to another's (the engine half of a
case migration; the service layer checks access, writes the rows and the event).

SpiffWorkflow 3.x ships the alignment (`SpiffWorkflow.bpmn.util.diff.SpecDiff`: task specs matched
by BPMN id, then by structure) and a `migrate_workflow` that resets every ready and waiting task.
Kapula keeps those tasks instead: a ready task keeps its id, so its claim and its ready time (both
in the event log, keyed by task id) carry over and stage durations stay right across the move;
only the predicted future below each open task is rebuilt from the new spec. A waiting timer keeps
the moment it started and is rescheduled by the new version's definition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.runtime.case_state import LiveCase, SpecBundle
from engine.runtime.labels import element_label
from engine.runtime.timer_hooks import timer_text

# open = the case is at this element now: a person's task, a waiting event or join, a running subprocess
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass(frozen=True)
class MigrationPlan:
    """How the elements of version A map to version B.

    `alignment` maps every BPMN element id of A (the top process) to its counterpart in B, or None
    where B has none; `explicit` are the mappings the process owner gave; `problems` the mappings
    that cannot be applied, each one readable sentence; `suggested` maps elements of A that B lacks
    to the element of B found at the same place in the flow (SpiffWorkflow's SpecDiff), for the
    owner to confirm as explicit mappings.
    """

    alignment: Mapping[str, str | None]
    explicit: Mapping[str, str]
    problems: tuple[str, ...]
    suggested: Mapping[str, str]


def plan_migration(old: SpecBundle, new: SpecBundle, mapping: Mapping[str, str] | None = None) -> MigrationPlan:
    """Align A's elements with B's: by id, then by the explicit `mapping`
    (A's element id → B's element id) for renamed or split elements. A mapping is impossible when an
    id is not an element of its version or the two elements are of different kinds."""
    explicit = dict(mapping or {})
    problems: list[str] = []
    old_specs, new_specs = _elements(old.spec), _elements(new.spec)
    for source, target in explicit.items():
        if source not in old_specs:
            problems.append(f"{source!r} is not an element of the version the cases are on")
        elif target not in new_specs:
            problems.append(f"{target!r} (mapped from {source!r}) is not an element of the new version")
        elif _kind(old_specs[source]) != _kind(new_specs[target]):
            problems.append(
                f"{element_label(old_specs[source])} is a {_kind(old_specs[source])} but {element_label(new_specs[target])} "
                f"is a {_kind(new_specs[target])}: a case cannot move between different kinds of element"
            )
    alignment: dict[str, str | None] = {i: (i if i in new_specs else None) for i in old_specs}
    good = {s: t for s, t in explicit.items() if s in old_specs and t in new_specs and _kind(old_specs[s]) == _kind(new_specs[t])}
    alignment.update(good)
    # SpecDiff also aligns renamed elements by their place in the flow: offered, never applied unasked
    diff = SpecDiff(old.serializer.registry, old.spec, new.spec)
    suggested = {
        s.bpmn_id: c.bpmn_id
        for s, c in diff.alignment.items()
        if c is not None
        and getattr(s, "bpmn_id", None)
        and getattr(c, "bpmn_id", None)
        and alignment.get(s.bpmn_id) is None
        and s.bpmn_id != c.bpmn_id
    }
    return MigrationPlan(alignment, explicit, tuple(problems), suggested)


def case_blockers(live: LiveCase, new: SpecBundle, plan: MigrationPlan) -> list[str]:
    """Why this case cannot move under `plan`, one sentence each; empty when it can."""
    reasons: list[str] = []
    new_specs = _elements(new.spec)
    for task in _open_tasks(live):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id is None or task.workflow is not live.workflow:
            continue
        target = plan.alignment.get(bpmn_id)
        if target is None:
            reasons.append(
                f"it is at {element_label(task.task_spec)}, which the new version does not have (map it to an element of the new version)"
            )
            continue
        if _is_timer(task.task_spec) and not _is_timer(new_specs[target]):
            reasons.append(
                f"it waits for the timer {element_label(task.task_spec)}, and {element_label(new_specs[target])} in the new version is no timer"
            )
    for sp in live.workflow.subprocesses.values():
        if not sp.completed and sp.spec.name not in new.subprocess_specs and sp.spec.name != new.spec.name:
            reasons.append(f"it is inside the subprocess {sp.spec.name!r}, which the new version does not have")
    return reasons


def migrate_live_case(live: LiveCase, new: SpecBundle, plan: MigrationPlan, *, now: datetime) -> list[UUID]:
    """Move the case's workflow onto `new` in place (check `case_blockers` first). Open tasks keep
    their ids; their predicted futures are rebuilt from the new spec; waiting timers are
    rescheduled by the new definitions from the moment they started. Returns the ids of the tasks
    that no longer exist (predicted tasks of the old spec)."""
    workflow = live.workflow
    before = set(_all_ids(live))
    old_timers = {t.id: t.task_spec for t in _open_tasks(live) if _is_timer(t.task_spec)}
    _swap_specs(workflow, workflow.spec, new.spec, plan.alignment)
    workflow.spec = new.spec
    workflow.subprocess_specs = new.subprocess_specs
    for sp in workflow.subprocesses.values():
        target = new.subprocess_specs.get(sp.spec.name)
        if target is not None:
            _swap_specs(sp, sp.spec, target, {})
            sp.spec = target
    for task in _open_tasks(live):
        if task.id in old_timers:
            _reschedule(task, old_timers[task.id], now)
        # an open task is definite, so _predict alone would not rebuild its own children
        task._drop_children()
        task.task_spec._predict_hook(task)
        task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
    workflow.sync_open_tasks()
    return [i for i in before if i not in set(_all_ids(live))]


def _swap_specs(workflow: Any, old_spec: Any, new_spec: Any, alignment: Mapping[str, str | None]) -> None:
    by_bpmn = {getattr(s, "bpmn_id", None): s for s in new_spec.task_specs.values() if getattr(s, "bpmn_id", None)}
    for task in workflow.tasks.values():
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if bpmn_id is not None:
            target = alignment.get(bpmn_id, bpmn_id)
            counterpart = by_bpmn.get(target) if target is not None else None
        else:  # SpiffWorkflow's own helpers (Root, Start, End, joins) match by name
            counterpart = new_spec.task_specs.get(spec.name)
        if counterpart is not None:
            task.task_spec = counterpart


def _reschedule(task: Task, old_spec: Any, now: datetime) -> None:
    """A waiting duration timer keeps its start: due = start + the new duration. Other timers are
    evaluated again by the new definition."""
    old_def, new_def = old_spec.event_definition, task.task_spec.event_definition
    # TimerEventDefinition.__eq__ ignores the expression, so compare it ourselves
    if type(old_def) is type(new_def) and old_def.expression == new_def.expression:
        return
    value = task._get_internal_data("event_value")
    task.internal_data.pop("event_value", None)
    task.internal_data.pop("event_fired", None)
    if not (isinstance(old_def, DurationTimerEventDefinition) and isinstance(new_def, DurationTimerEventDefinition)):
        return
    try:
        due = TimerEventDefinition.get_datetime(value)
        # timer_text reads a bare literal (P7D) as itself, as the running timer does (engine.runtime.timer_hooks)
        old_len = TimerEventDefinition.parse_iso_duration(timer_text(old_def, task))
        new_len = TimerEventDefinition.parse_iso_duration(timer_text(new_def, task))
        start = due - TimerEventDefinition.get_timedelta_from_end(old_len, due)
    except Exception:  # noqa: BLE001 - an unreadable old value: the new definition counts from now
        start, new_len = now.astimezone(UTC), None
    if new_len is not None:
        due_new = start + TimerEventDefinition.get_timedelta_from_start(new_len, start)
        task._set_internal_data(event_value=due_new.isoformat())


def _open_tasks(live: LiveCase) -> list[Task]:
    tasks = [t for t in live.workflow.tasks.values() if t.has_state(_OPEN)]
    for sp in live.workflow.subprocesses.values():
        tasks.extend(t for t in sp.tasks.values() if t.has_state(_OPEN))
    return tasks


def _all_ids(live: LiveCase) -> list[UUID]:
    ids = list(live.workflow.tasks)
    for sp in live.workflow.subprocesses.values():
        ids.extend(sp.tasks)
    return ids


def _elements(spec: Any) -> dict[str, Any]:
    return {s.bpmn_id: s for s in spec.task_specs.values() if getattr(s, "bpmn_id", None)}


def _kind(spec: Any) -> str:
    return type(spec).__name__


def _is_timer(spec: Any) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)
