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
from collections.abc import Callable, MutableMapping, Sized
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowDataException, WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    MultiInstanceTask,
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.runtime.labels import element_label

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


def shown_data(task: Any) -> dict[str, Any]:
    """The data a person sees after `task` completed: the task's own, but for an instance of a
    multi-instance task its parent's (the outputs collected so far), without the instances' input
    item and, when the outputs are collected, their output item: those are each instance's own."""
    parent = task.parent
    spec = parent.task_spec if parent is not None else None
    if not isinstance(spec, MultiInstanceTask) or task.task_spec.name != spec.task_spec:
        return dict(task.data)
    hidden = {spec.input_item.bpmn_id} if spec.input_item is not None else set()
    if spec.output_item is not None and spec.data_output is not None:
        hidden.add(spec.output_item.bpmn_id)
    return {name: value for name, value in parent.data.items() if name not in hidden}


def stored_instance_item(specs: list[Any], element_id: str, body: str) -> tuple[str, Any] | None:
    """The same, from a task row as stored (its element id and JSON body), for the process specs
    `specs` of its version; the body is read only for an element that is a multi-instance task."""
    found = None
    for spec in specs:
        if spec not in _child_items:
            _child_items[spec] = {
                s.bpmn_id: (s.task_spec, s.input_item.bpmn_id)
                for s in spec.task_specs.values()
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


def _instance_count(spec: Any, my_task: Any) -> int:
    if spec.data_input is not None:
        if not spec.data_input.exists(my_task):  # SpiffWorkflow would fail with a TypeError
            raise WorkflowTaskException(
                f"the multi-instance task {element_label(spec)} runs over '{spec.data_input.bpmn_id}', which is not in the "
                "case data",
                task=my_task,
            )
        collection = spec.data_input.get(my_task)
        if not isinstance(collection, Sized):
            raise WorkflowTaskException(
                f"the multi-instance task {element_label(spec)} needs a list or a map of items, not {type(collection).__name__}",
                task=my_task,
            )
        return len(collection)
    return _checked_cardinality(spec, my_task, my_task.workflow.script_engine.evaluate(my_task, spec.cardinality))


def _checked_cardinality(spec: Any, my_task: Any, count: Any) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise WorkflowTaskException(
            f"the cardinality of the multi-instance task {element_label(spec)} must be a whole number of 0 or more, "
            f"not {count!r}",
            task=my_task,
        )
    return count


def _check_count(spec: Any, my_task: Any, count: int) -> None:
    if count > MAX_INSTANCES:
        raise WorkflowTaskException(
            f"the multi-instance task {element_label(spec)} would create {count:,} instances; the limit is {MAX_INSTANCES:,}",
            task=my_task,
        )


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
    if (self.data_output is None or self.output_item is None) and self.input_item is not None:
        # SpiffWorkflow merges the whole instance's data, its input item too: the case then kept the
        # last instance's item, and a sequential one refused its next instance ("already exists")
        mine = {k: v for k, v in child.data.items() if k != self.input_item.bpmn_id}
        DeepMerge.merge(my_task.data, mine)
        my_task.internal_data["merged"].append(str(child.id))
        return None
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


def _field(ref: Any) -> str:
    return f"'{ref.bpmn_id}'" if ref is not None else "(none)"


def _collected(spec: Any, my_task: Any) -> str:
    value = spec.data_output.get(my_task) if spec.data_output is not None and spec.data_output.exists(my_task) else None
    if isinstance(value, list | dict):
        return f"{len(value)} item(s)"
    return {str: "a text", bool: "true or false", int: "a number", float: "a number"}.get(type(value), "a value")


# SpiffWorkflow's data errors of multi-instance tasks name no element and no field: Kapula's words
_DATA_ERRORS: dict[str, Callable[[Any, Any], str]] = {
    "Expected an output item": lambda spec, task: (
        f"an instance ended without its output item {_field(spec.output_item)} in its data (the field each "
        f"instance fills in, collected into {_field(spec.data_output)})"
    ),
    "Only a mutable map (dict) or sequence (list) can be used for output": lambda spec, task: (
        f"it collects its outputs into {_field(spec.data_output)}, which the case data already has as "
        f"{_collected(spec, task)}: it must be a list or a map, or not be in the case data"
    ),
    "If the input is not being updated in place, the output must be empty or it must be a map (dict)": lambda spec, task: (
        f"it collects its outputs into {_field(spec.data_output)}, which the case data already has with "
        f"{_collected(spec, task)}: it must be empty, a map, or the same field as its input {_field(spec.data_input)}"
    ),
    "Missing data input for multiinstance task": lambda spec, task: (
        f"it runs over {_field(spec.data_input)}, which is not in the case data"
    ),
    "If loop cardinality is specificied, the output must be a map (dict) or empty sequence (list)": lambda spec, task: (
        f"it collects its outputs into {_field(spec.data_output)}, which the case data already has with "
        f"{_collected(spec, task)}: with a cardinality it must be empty or a map"
    ),
}


def _raise_data_exception(self: Any, message: str, my_task: Any) -> None:
    """SpiffWorkflow's data error, naming the multi-instance task (name and id) and its fields."""
    words = _DATA_ERRORS.get(message)
    plain = words(self, my_task) if words else message
    raise WorkflowDataException(
        f"the multi-instance task {element_label(self)}: {plain}",
        my_task,
        data_input=self.data_input,
        data_output=self.data_output,
    )


def _named_create_child(original: Any) -> Any:
    def create_child(self: Any, my_task: Any, item: Any, key_or_index: Any = None) -> Any:
        for kind, ref in (("input", self.input_item), ("output", self.output_item)):
            if ref is not None and ref.exists(my_task):  # SpiffWorkflow: "Multiinstance input item x already exists."
                raise WorkflowDataException(
                    f"the multi-instance task {element_label(self)} gives each instance its {kind} item as {_field(ref)}, "
                    f"but the case data already has a field {_field(ref)}: rename one of them",
                    my_task,
                    data_input=self.data_input,
                    data_output=self.data_output,
                )
        return original(self, my_task, item, key_or_index)

    return create_child


def _init_data_output_with_cardinality(self: Any, my_task: Any) -> None:
    # SpiffWorkflow 3.2.0's version reads an undefined `data_ouput` (a NameError, a traceback) when
    # the output is already in the case data
    if not self.data_output.exists(my_task):
        self.data_output.set(my_task, [])
    elif not isinstance(self.data_output.get(my_task), MutableMapping) and len(self.data_output.get(my_task)) > 0:
        self.raise_data_exception(
            "If loop cardinality is specificied, the output must be a map (dict) or empty sequence (list)", my_task
        )


MultiInstanceTask.raise_data_exception = _raise_data_exception
MultiInstanceTask.create_child = _named_create_child(MultiInstanceTask.create_child)
MultiInstanceTask.init_data_output_with_cardinality = _init_data_output_with_cardinality
ParallelMultiInstanceTask.create_children = _bounded_children(ParallelMultiInstanceTask.create_children)
SequentialMultiInstanceTask.add_next_child = _bounded_next_child(SequentialMultiInstanceTask.add_next_child)
MultiInstanceTask.merge_child = _merge_child_in_input_order
