"""A BpmnWorkflow that finds its open tasks without walking the whole task tree.

SpiffWorkflow 3.2.0 finds ready and waiting tasks with a `TaskIterator` that walks the task tree
from its root, and that iterator stops at depth 1000 (`max_depth=1000`, SpiffWorkflow/util/task.py).
A looping case grows the tree by a level per loop step, so after ~500 loops of a two-node loop the
next user task is never found and the case silently stalls (measured here); before that, every step
costs time proportional to the whole history. Completed and cancelled tasks never become ready again,
so we keep the ids of the unfinished tasks and look only at those plus the tasks created since.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# keyword arguments of get_tasks that only steer a tree walk, not which tasks match
_WALK_ONLY = ("end_at_spec", "max_depth", "depth_first")


class KapulaWorkflow(BpmnWorkflow):
    """BpmnWorkflow whose queries for unfinished tasks cost O(open tasks), not O(history)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._known_ids: set[UUID] = set()
        self._open_ids: list[UUID] = []
        super().__init__(*args, **kwargs)

    def sync_open_tasks(self) -> None:
        """Rebuild the index from all tasks: after creating or restoring a workflow."""
        self._known_ids = set(self.tasks)
        self._open_ids = [t.id for t in self.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]

    def new_tasks(self) -> list[Task]:
        """Tasks created since the last sync, oldest first. Dicts keep insertion order, so they sit at the end."""
        fresh = []
        for task in reversed(self.tasks.values()):
            if task.id in self._known_ids:
                break
            fresh.append(task)
        fresh.reverse()
        return fresh

    def touched_since_sync(self) -> list[Task]:
        """Every task that can have changed since the last sync: those then unfinished, and the new ones.
        Finished tasks never change again, so nothing else needs a look."""
        return [self.tasks[i] for i in self._open_ids if i in self.tasks] + self.new_tasks()

    def open_tasks(self) -> list[Task]:
        """Unfinished tasks of this workflow (not its subprocesses), oldest first."""
        tasks = [self.tasks[i] for i in self._open_ids if i in self.tasks]
        tasks.extend(self.new_tasks())
        return [t for t in tasks if not t.has_state(TaskState.FINISHED_MASK)]

    def advance_index(self) -> tuple[list[Task], list[UUID]]:
        """End of a step: returns (tasks created since the last sync, ids removed since) and moves the index on."""
        fresh = self.new_tasks()
        removed = [i for i in self._open_ids if i not in self.tasks]
        still_open = [t.id for t in self.open_tasks()]
        self._known_ids.difference_update(removed)
        self._known_ids.update(t.id for t in fresh)
        self._open_ids = still_open
        return fresh, removed

    def get_tasks_iterator(self, first_task: Task | None = None, **kwargs: Any) -> Iterator[Task]:
        state = kwargs.get("state", TaskState.ANY_MASK)
        if first_task is not None or kwargs.get("task_filter") is not None or state & TaskState.FINISHED_MASK:
            return super().get_tasks_iterator(first_task, **kwargs)
        skip_subprocesses = kwargs.pop("skip_subprocesses", False)
        for name in _WALK_ONLY:
            kwargs.pop(name, None)
        task_filter = BpmnTaskFilter(**kwargs)
        candidates = self.open_tasks()
        if not skip_subprocesses:
            for subprocess in self.subprocesses.values():
                candidates.extend(subprocess.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True))
        return iter([t for t in candidates if task_filter.matches(t)])

    def update_waiting_tasks(self) -> None:
        # Called after every completed task; the inherited version walks the whole tree
        for task in self.get_tasks(state=TaskState.WAITING, skip_subprocesses=True):
            task.task_spec._update(task)

    def cancel(self, workflow: Any = None) -> list[Task]:
        if workflow is not None:
            return super().cancel(workflow)
        # Workflow.cancel walks the tree with the depth-limited iterator; cancel what is open instead
        self.success = False
        self.completed = True
        cancelled = list(self.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True))
        for task in cancelled:
            task.cancel()
        for subprocess in [sp for sp in self.subprocesses.values() if sp.parent_workflow is self]:
            cancelled.extend(BpmnWorkflow.cancel(self, subprocess))
        return cancelled
