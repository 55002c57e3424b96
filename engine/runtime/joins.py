"""Parallel and inclusive joins that cost the same in every round of a loop.

SpiffWorkflow 3.2.0 (bpmn/specs/mixins/unstructured_join.py, parallel_gateway.py,
inclusive_gateway.py) decides whether a join may fire by looking at every instance of the join in
the case's whole history, asking `is_descendant_of` (recursive, one frame per task of depth) for
each. A loop through a join grows both, so each round costs more than the last, and at about 160
rounds of a small loop the recursion exceeds Python's limit: the case can never go on. Its
inclusive join walks the tree with `end_at_spec`, which stops at the first round's join.

Here a join looks only at the case's unfinished tasks. The instances of the join that arrived
in this round wait (as in SpiffWorkflow); when another instance arrives, it takes over the ids of
those that arrived before it (internal_data `kapula_join_arrived`) and they are cancelled. So "which
inputs have arrived in this round" is in the newest waiting instance, and finished rounds are
never read again. Installed once, on import, for every workflow.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_ARRIVED = "kapula_join_arrived"


def _unfinished(workflow: Any) -> list[Any]:
    if hasattr(workflow, "open_tasks"):  # KapulaWorkflow keeps an index of them
        return list(workflow.open_tasks())
    # a subprocess's own workflow: small and short-lived, so a scan is cheap
    return [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]


def _instances(spec: Any, my_task: Any) -> list[Any]:
    """The other unfinished instances of the join `spec`."""
    return [t for t in _unfinished(my_task.workflow) if t.task_spec == spec and t is not my_task]


def _arrived(my_task: Any, others: list[Any]) -> list[Any]:
    """This round's instances that arrived before `my_task` (waiting, or taken over by a waiting one), oldest first."""
    tasks = my_task.workflow.tasks
    ids: list[str] = list(my_task.internal_data.get(_ARRIVED, []))
    for other in others:
        if other.state == TaskState.WAITING:
            ids += [*other.internal_data.get(_ARRIVED, []), str(other.id)]
    seen: set[str] = set()
    found = []
    for ident in ids:
        task = tasks.get(UUID(ident))
        if ident not in seen and task is not None and task is not my_task:
            seen.add(ident)
            found.append(task)
    return found


def _arrived_inputs(my_task: Any, arrived: list[Any]) -> set[Any]:
    specs = {t.parent.task_spec for t in arrived if t.parent is not None}
    if my_task.parent is not None and my_task.parent.state == TaskState.COMPLETED:
        specs.add(my_task.parent.task_spec)
    return specs


def _update_hook(self: Any, my_task: Any) -> bool:
    others = _instances(self, my_task)
    arrived = _arrived(my_task, others)
    may_fire = self._check_threshold_unstructured(my_task)
    my_task.internal_data[_ARRIVED] = [str(t.id) for t in arrived]
    for other in others:
        if other.state == TaskState.WAITING:
            # only the newest instance waits; it carries the others (SpiffWorkflow cancels them too)
            other.cancel()
    if not may_fire:
        my_task._set_state(TaskState.WAITING)
    else:
        my_task._inherit_data()
    return bool(may_fire)


def _run_hook(self: Any, my_task: Any) -> bool:
    """The joined data: the data at the split, plus what each branch changed, in the order they arrived.

    SpiffWorkflow merges each branch's whole data, so a branch's stale copy of a value another
    branch changed wins if it arrives last; in a loop every value is such a copy.
    """
    tasks = my_task.workflow.tasks
    tips = [
        t.parent
        for t in (tasks.get(UUID(i)) for i in my_task.internal_data.get(_ARRIVED, []))
        if t is not None and t.parent is not None
    ]
    if my_task.parent is not None:
        tips.append(my_task.parent)
    split = _split_point(tips) if len(tips) > 1 else None
    if split is None:
        for tip in tips[:-1]:
            DeepMerge.merge(my_task.data, tip.data)
        my_task._inherit_data()
        return True
    merged = dict(split.data)
    for tip in tips:
        merged.update({k: v for k, v in tip.data.items() if k not in split.data or split.data[k] != v})
    my_task.data = merged
    return True


def _split_point(tips: list[Any]) -> Any:
    """The nearest task all `tips` descend from, walking up all of them at once (so the cost is the
    branches' length, not the case's history); None if there is none."""
    reached: dict[UUID, set[int]] = {}
    frontier = list(enumerate(tips))
    while frontier:
        moved = []
        for index, task in frontier:
            reached.setdefault(task.id, set()).add(index)
            if len(reached[task.id]) == len(tips):
                return task
            if task.parent is not None:
                moved.append((index, task.parent))
        frontier = moved
    return None


def _subtree_ids(task: Any) -> set[UUID]:
    found: set[UUID] = set()
    stack = list(task.children)
    while stack:
        current = stack.pop()
        if current.id not in found:
            found.add(current.id)
            stack.extend(current.children)
    return found


def _parallel_threshold(self: Any, my_task: Any) -> bool:
    others = _instances(self, my_task)
    waiting = set(self.inputs) - _arrived_inputs(my_task, _arrived(my_task, others))
    below = _subtree_ids(my_task)
    for other in others:
        if other.id in below:
            # an input reached only through this join (a loop back into it): SpiffWorkflow does not wait for it
            current = other.parent
            while current is not None and current is not my_task:
                if current.task_spec in waiting:
                    waiting.discard(current.task_spec)
                    break
                current = current.parent
    return not waiting


def _upstream(join: Any, spec: Any) -> set[Any]:
    """Every spec from which `spec` can be reached without passing through `join`."""
    seen: set[Any] = set()
    stack = [spec]
    while stack:
        current = stack.pop()
        if current in seen or current is join:
            continue
        seen.add(current)
        stack.extend(current.inputs)
    return seen


def _inclusive_threshold(self: Any, my_task: Any) -> bool:
    """BPMN 2.0 §13.3.4: fire when no input without a token can still get one from a token upstream."""
    others = _instances(self, my_task)
    arrived = _arrived_inputs(my_task, _arrived(my_task, others))
    if not arrived:
        return False
    for other in others:
        if (
            other.state != TaskState.WAITING
            and other.parent is not None
            and other.parent.has_state(TaskState.DEFINITE_MASK)
            and other.parent.task_spec not in arrived
        ):
            return False  # a branch that is certain to arrive
    sources = {
        t.task_spec
        for t in _unfinished(my_task.workflow)
        if t.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED) and t.task_spec != self
    }
    return not any(_upstream(self, spec) & sources for spec in self.inputs if spec not in arrived)


def _inclusive_run_hook(self: Any, my_task: Any) -> bool:
    _run_hook(self, my_task)
    matches, defaults = self._get_matching_outputs(my_task)
    if len(matches + defaults) == 0:
        raise WorkflowTaskException("No conditions satisfied on gateway", task=my_task)
    my_task._sync_children(matches or defaults, TaskState.FUTURE)
    for child in my_task.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
    return True


UnstructuredJoin._update_hook = _update_hook
UnstructuredJoin._run_hook = _run_hook
ParallelGateway._check_threshold_unstructured = _parallel_threshold
InclusiveGateway._check_threshold_unstructured = _inclusive_threshold
InclusiveGateway._run_hook = _inclusive_run_hook
