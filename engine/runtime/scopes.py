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


def element_of(task: Any) -> str | None:
    """The BPMN id of `task`'s element (None for SpiffWorkflow's own helper tasks: Root, Start, End)."""
    return getattr(task.task_spec, "bpmn_id", None)


def spec_element_name(bundle: Any, spec_name: str, element_id: str) -> str | None:
    """The name of `element_id` in the subprocess spec `spec_name` of a version's spec `bundle`
    (a SpecBundle), or None: for versions stored before called processes' elements were recorded."""
    spec = bundle.subprocess_specs.get(spec_name)
    task_spec = spec.task_specs.get(element_id) if spec is not None else None
    return getattr(task_spec, "bpmn_name", None)
