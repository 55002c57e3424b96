"""Multi-instance tasks: which item each instance is for, outputs in input order, a bounded count.

SpiffWorkflow 3.2.0 (bpmn/specs/mixins/multiinstance_task.py) puts each instance's input item in
its data but nothing shows it, appends each output in the order the instances complete (so
`statements[i]` need not belong to `offices[i]`), and creates as many instances as the case data
asks for (20,000 tasks in one request were seen). Installed once, on import: outputs go to the
position of their input, and a count over MAX_INSTANCES fails the step before any instance exists.
`instance_item` and `stored_instance_item` tell the task views which item an instance is for.
"""

from __future__ import annotations

import bisect
import json
import weakref
from collections.abc import Sized
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)

MAX_INSTANCES = 1_000
_SHOWN_ITEM_LENGTH = 60
_ORDER = "kapula_output_order"  # internal_data of the multi-instance task: input positions of the outputs so far


def instance_item(task: Any) -> tuple[str, Any] | None:
    """(input item name, item) if `task` is one instance of a multi-instance task over a collection, else None."""
    parent = task.parent
    spec = parent.task_spec if parent is not None else None
    if not isinstance(spec, MultiInstanceTask) or spec.input_item is None or task.task_spec.name != spec.task_spec:
        return None
    name = spec.input_item.bpmn_id
    return (name, task.data[name]) if name in task.data else None


_child_items: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, str]]] = weakref.WeakKeyDictionary()


def stored_instance_item(specs: list[Any], element_id: str, body: str) -> tuple[str, Any] | None:
    """The same, from a task row as stored (its element id and JSON body), for the process specs
    `specs` of its version; the body is read only for an element that is a multi-instance task."""
    found = None
    for spec in specs:
        if spec not in _child_items:
            _child_items[spec] = {
                s.bpmn_id: (s.task_spec, s.input_item.bpmn_id) for s in spec.task_specs.values()
                if isinstance(s, MultiInstanceTask) and s.input_item is not None
            }
        found = found or _child_items[spec].get(element_id)
    if found is None:
        return None
    child_spec, name = found
    try:
        stored = json.loads(body)
    except ValueError:
        return None
    if stored.get("task_spec") != child_spec:
        return None
    # SpiffWorkflow stores a task's data as its changes from its parent's ("delta") or in full ("data")
    for values in ((stored.get("delta") or {}).get("updates"), stored.get("data")):
        if isinstance(values, dict) and name in values:
            return name, values[name]
    return None


def titled(name: str, item: Any) -> str:
    """A task's name with the item its instance is for: 'Give statement — Office B'."""
    shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, default=str)
    shown = " ".join(shown.split())
    if len(shown) > _SHOWN_ITEM_LENGTH:
        shown = shown[: _SHOWN_ITEM_LENGTH - 1] + "…"
    return f"{name} — {shown}"


def _label(spec: Any) -> str:
    # SpiffWorkflow gives the name to the instances' spec, not to the multi-instance one
    child = spec._wf_spec.task_specs.get(spec.task_spec) if hasattr(spec, "_wf_spec") else None
    name = getattr(spec, "bpmn_name", None) or getattr(child, "bpmn_name", None)
    return f"'{name}' ({spec.bpmn_id})" if name else f"'{spec.bpmn_id}'"


def _instance_count(spec: Any, my_task: Any) -> int:
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):  # SpiffWorkflow would fail with a TypeError
            raise WorkflowTaskException(
                f"the multi-instance task {_label(spec)} runs over '{spec.data_input.bpmn_id}', which is not in the "
                "case data", task=my_task)
        collection = spec.data_input.get(my_task)
        if not isinstance(collection, Sized):
            raise WorkflowTaskException(
                f"the multi-instance task {_label(spec)} needs a list or a map of items, not {type(collection).__name__}",
                task=my_task)
        return len(collection)
    return _checked_cardinality(spec, my_task, my_task.workflow.script_engine.evaluate(my_task, spec.cardinality))


def _checked_cardinality(spec: Any, my_task: Any, count: Any) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise WorkflowTaskException(
            f"the cardinality of the multi-instance task {_label(spec)} must be a whole number of 0 or more, "
            f"not {count!r}", task=my_task)
    return count


def _check_count(spec: Any, my_task: Any, count: int) -> None:
    if count > MAX_INSTANCES:
        raise WorkflowTaskException(
            f"the multi-instance task {_label(spec)} would create {count:,} instances; the limit is "
            f"{MAX_INSTANCES:,}", task=my_task)


def _bounded_children(original: Any) -> Any:
    def create_children(self: Any, my_task: Any) -> Any:
        _check_count(self, my_task, _instance_count(self, my_task))
        return original(self, my_task)

    return create_children


def _bounded_next_child(original: Any) -> Any:
    def add_next_child(self: Any, my_task: Any) -> Any:
        if not my_task.internal_data.get("merged"):  # the first instance: the count is known now
            if self.data_input is not None:
                count = len(my_task.internal_data.get("remaining") or [])
            else:
                count = _checked_cardinality(self, my_task, my_task.internal_data.get("cardinality"))
            _check_count(self, my_task, count)
        return original(self, my_task)

    return add_next_child


_spiff_merge_child = MultiInstanceTask.merge_child


def _merge_child_in_input_order(self: Any, workflow: Any, child: Any) -> None:
    my_task = child.parent
    position = child.internal_data.get("key_or_index")
    if self.data_output is None or self.output_item is None or not isinstance(position, int):
        _spiff_merge_child(self, workflow, child)
        return None
    data_output = self.data_output.get(my_task)
    data_input = self.data_input.get(my_task) if self.data_input is not None else None
    if not isinstance(data_output, list) or data_input is data_output:
        _spiff_merge_child(self, workflow, child)
        return None
    if not self.output_item.exists(child):
        self.raise_data_exception("Expected an output item", child)
    order = my_task.internal_data.setdefault(_ORDER, [])
    at = bisect.bisect(order, position)
    order.insert(at, position)
    data_output.insert(at, self.output_item.get(child))
    my_task.internal_data["merged"].append(str(child.id))
    return None


ParallelMultiInstanceTask.create_children = _bounded_children(ParallelMultiInstanceTask.create_children)
SequentialMultiInstanceTask.add_next_child = _bounded_next_child(SequentialMultiInstanceTask.add_next_child)
MultiInstanceTask.merge_child = _merge_child_in_input_order
