"""Where a task runs: the (sub)workflow that holds it and the task that started that workflow, so that
the elements of an embedded subprocess or a called process are named and laned from their own
process's drawing (SpiffWorkflow keeps every subworkflow in the case's top workflow)."""

from __future__ import annotations

from typing import Any


def enclosing(task: Any) -> tuple[str | None, Any | None]:
    """(the spec name of the workflow holding `task`, the task that started it) for a task in a
    subprocess or called process; (None, None) for a task of the case's own process. SpiffWorkflow
    names an embedded subprocess's spec by the subprocess's id and a called process's by its id."""
    workflow = task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    if parent_id is None:
        return None, None
    return workflow.spec.name, workflow.top_workflow.get_task_from_id(parent_id)
