"""A BpmnWorkflow that finds its open tasks without walking the whole task tree.

SpiffWorkflow 3.2.0 finds ready and waiting tasks with a `TaskIterator` that walks the task tree
from its root, and that iterator stops at depth 1000 (`max_depth=1000`, SpiffWorkflow/util/task.py).
A looping case grows the tree by a level per loop step, so after ~500 loops of a two-node loop the
next user task is never found and the case silently stalls (measured here); before that, every step
costs time proportional to the whole history. Completed and cancelled tasks never become ready again,
so we keep the ids of the unfinished tasks and look only at those plus the tasks created since.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.runtime import (
    joins,  # noqa: F401 - installs joins whose cost does not grow with the loop
    messages,  # noqa: F401 - installs what a message carries, and who threw it
    multi_instance,  # noqa: F401 - installs ordered, bounded multi-instance tasks
)

_TASK_LOG = logging.getLogger("spiff.task")
_spiff_log_extras = Task.collect_log_extras


def _log_extras(self: Task, dct: dict[str, Any] | None = None) -> dict[str, Any]:
    """SpiffWorkflow 3.2 builds a task's log details (its names, state name and parent look-up) on
    every state change, before the logger decides to drop the record: a few per cent of a step.
    They are built only when the "spiff.task" logger would log its INFO records."""
    if not _TASK_LOG.isEnabledFor(logging.INFO):
        return dict(dct) if dct else {}
    return _spiff_log_extras(self, dct)  # type: ignore[no-any-return]


Task.collect_log_extras = _log_extras

# A diagram may loop through automatic steps forever; a step stops after this many of them or this long
MAX_AUTOMATIC_TASKS_PER_STEP = 10_000
STEP_TIME_BUDGET = 10.0

# keyword arguments of get_tasks that only steer a tree walk, not which tasks match
_WALK_ONLY = ("end_at_spec", "max_depth", "depth_first")


class _OpenIndex:
    """The unfinished tasks of a workflow as of its last refresh, and every task id known then.

    The open tasks are kept as Task objects, not ids: a step looks them up a few dozen times, and
    each look-up by id costs a Python-level `UUID.__hash__` (7 % of a step, bench/README.md). A task
    leaves the workflow only through `Workflow._remove_task`, which KapulaWorkflow reports here
    (`forget`), so the list never holds a removed task."""

    def __init__(self) -> None:
        self.known: set[UUID] = set()
        self.open: list[Task] = []
        self.removed: list[UUID] = []  # ids of open tasks removed since the last refresh

    def reset(self, tasks: dict[UUID, Task]) -> None:
        self.known = set(tasks)
        self.open = [t for t in tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
        self.removed = []

    def forget(self, task: Task) -> None:
        """`task` was removed from the workflow."""
        kept = [t for t in self.open if t is not task]
        if len(kept) != len(self.open):
            self.open = kept
            self.removed.append(task.id)
        self.known.discard(task.id)

    def created_since(self, tasks: dict[UUID, Task]) -> list[Task]:
        """Tasks created since the last refresh, oldest first: dicts keep insertion order, so they sit at the end."""
        fresh = []
        for task in reversed(tasks.values()):
            if task.id in self.known:
                break
            fresh.append(task)
        fresh.reverse()
        return fresh

    def touched(self, tasks: dict[UUID, Task]) -> list[Task]:
        """Every task that can have changed since the last refresh: those then unfinished, and the new ones.
        Finished tasks never change again, so nothing else needs a look."""
        return self.open + self.created_since(tasks)

    def refresh(self, tasks: dict[UUID, Task]) -> tuple[list[Task], list[UUID]]:
        """Move on to the current state; returns (tasks created since, ids removed since)."""
        fresh = self.created_since(tasks)
        removed, self.removed = self.removed, []
        self.open = [t for t in self.open + fresh if not t.has_state(TaskState.FINISHED_MASK)]
        self.known.update(t.id for t in fresh)
        return fresh, removed


class KapulaWorkflow(BpmnWorkflow):
    """BpmnWorkflow whose queries for unfinished tasks cost O(open tasks), not O(history).

    Two indexes: `_query` answers SpiffWorkflow's own queries and is refreshed after every automatic
    task; `_saved` is what the database has, refreshed only when a step is written, so that the
    step's writer can find everything that changed since.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._query = _OpenIndex()
        self._saved = _OpenIndex()
        # parents of the tasks removed since the last write: a finished one's children list changed
        # without a change of its state, so its row is written again (case_state.collect_changes)
        self.bereaved: list[Task] = []
        super().__init__(*args, **kwargs)

    def run_engine(self, *, max_tasks: int = MAX_AUTOMATIC_TASKS_PER_STEP, time_budget: float = STEP_TIME_BUDGET) -> None:
        """do_engine_steps, bounded: raises WorkflowTaskException if the diagram will not come to rest."""
        count = 0
        deadline = time.monotonic() + time_budget

        def guard(task: Task) -> None:
            nonlocal count
            count += 1
            if count > max_tasks or time.monotonic() > deadline:
                limit = f"{max_tasks} automatic steps" if count > max_tasks else f"{time_budget:g} seconds"
                raise WorkflowTaskException(
                    f"the diagram ran more than {limit} without waiting for a person or a timer; "
                    f"it probably loops through automatic steps forever (last at '{task.task_spec.bpmn_name or task.task_spec.name}')",
                    task=task,
                )
            # a long run of automatic steps creates many tasks; keep the lookups short
            self._query.refresh(self.tasks)

        self.do_engine_steps(will_complete_task=guard)

    def sync_open_tasks(self) -> None:
        """Rebuild both indexes from all tasks: after creating or restoring a workflow."""
        self._query.reset(self.tasks)
        self._saved.reset(self.tasks)

    def _remove_task(self, task_id: UUID) -> None:
        # SpiffWorkflow removes a task (and, recursively, its children) only here: the indexes drop it too
        task = self.tasks.get(task_id)
        parent = task.parent if task is not None else None
        super()._remove_task(task_id)
        if task is not None:
            self._query.forget(task)
            self._saved.forget(task)
        if parent is not None and parent._state & TaskState.FINISHED_MASK:
            self.bereaved.append(parent)

    def touched_since_saved(self) -> list[Task]:
        return self._saved.touched(self.tasks)

    def mark_saved(self) -> tuple[list[Task], list[UUID]]:
        """The step is being written: returns (tasks created, ids removed) since the last write."""
        self._query.refresh(self.tasks)
        return self._saved.refresh(self.tasks)

    def open_tasks(self) -> list[Task]:
        """Unfinished tasks of this workflow (not its subprocesses), oldest first."""
        return [t for t in self._query.touched(self.tasks) if not t.has_state(TaskState.FINISHED_MASK)]

    def get_tasks_iterator(self, first_task: Task | None = None, **kwargs: Any) -> Iterator[Task]:
        state = kwargs.get("state", TaskState.ANY_MASK)
        if first_task is not None or kwargs.get("task_filter") is not None or state & TaskState.FINISHED_MASK:
            walked: Iterator[Task] = super().get_tasks_iterator(first_task, **kwargs)
            return walked
        skip_subprocesses = kwargs.pop("skip_subprocesses", False)
        for name in _WALK_ONLY:
            kwargs.pop(name, None)
        task_filter = BpmnTaskFilter(**kwargs)
        candidates = self.open_tasks()
        if not skip_subprocesses:
            for subprocess in self.subprocesses.values():
                if subprocess.completed:
                    continue
                candidates.extend(subprocess.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True))
        return iter([t for t in candidates if task_filter.matches(t)])

    def hand_data(self, data: dict[str, Any]) -> None:
        """Put `data` (checked case data) into the tasks the next step starts from: the unattended
        ones that wait or are ready (a timer, a message catch), else every open one. A retry of a
        failed step hands the fixed data on this way, after the timers were refreshed: a waiting
        task merges its parent's data over its own whenever it is updated (Task._inherit_data)."""
        if not data:
            return
        frontier = list(self.get_tasks(state=TaskState.WAITING | TaskState.READY | TaskState.STARTED))
        unattended = [t for t in frontier if not t.task_spec.manual]
        for task in unattended or frontier:
            task.data.update(data)

    def update_waiting_tasks(self) -> None:
        # Called after every completed task; the inherited version walks the whole tree
        for task in self.get_tasks(state=TaskState.WAITING, skip_subprocesses=True):
            task.task_spec._update(task)

    def cancel(self, workflow: Any = None) -> list[Task]:
        if workflow is not None:
            cancelled: list[Task] = super().cancel(workflow)
            return cancelled
        # Workflow.cancel walks the tree with the depth-limited iterator; cancel what is open instead
        self.success = False
        self.completed = True
        cancelled = list(self.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True))
        for task in cancelled:
            task.cancel()
        for subprocess in [sp for sp in self.subprocesses.values() if sp.parent_workflow is self]:
            cancelled.extend(BpmnWorkflow.cancel(self, subprocess))
        return cancelled
