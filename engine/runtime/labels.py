"""How an error names a diagram element of a running case: its name and its id."""

from __future__ import annotations

from typing import Any


def element_name(spec: Any) -> str | None:
    """The element's name, None when it has none. A multi-instance or loop task's spec has none of
    its own: SpiffWorkflow gives the element's name to the spec of its instances (`spec.task_spec`)."""
    name = getattr(spec, "bpmn_name", None)
    if name:
        return str(name)
    instances = getattr(spec, "task_spec", None)
    wf_spec = getattr(spec, "_wf_spec", None)
    if isinstance(instances, str) and wf_spec is not None:
        child = wf_spec.task_specs.get(instances)
        return getattr(child, "bpmn_name", None) or None
    return None


def element_label(spec: Any) -> str:
    """ "'Name' (id)" for a SpiffWorkflow task spec, or "'id'" when the element has no name."""
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = element_name(spec)
    return f"'{name}' ({bpmn_id})" if name and name != bpmn_id else f"'{bpmn_id}'"
