"""How an error names a diagram element of a running case: its name and its id."""

from __future__ import annotations

from typing import Any


def element_label(spec: Any, *, name: str | None = None) -> str:
    """"'Name' (id)" for a SpiffWorkflow task spec, or "'id'" when it has no name of its own
    (`name` overrides the spec's, e.g. a multi-instance task's, which SpiffWorkflow puts on its instances)."""
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = name or getattr(spec, "bpmn_name", None)
    return f"'{name}' ({bpmn_id})" if name and name != bpmn_id else f"'{bpmn_id}'"
