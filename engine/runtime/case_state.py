"""Saving and restoring a case's SpiffWorkflow state in pieces: a version's spec once, a small
case header, and one body per task, so that a step writes only the tasks it touched.

The pieces are exactly what SpiffWorkflow's own `BpmnWorkflowConverter.to_dict` would produce,
minus the spec (stored once per version) and split per task; restoring reassembles them through
the same registry, so SpiffWorkflow's serializer migrations and data conversions still apply.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.errors import CaseStepError
from engine.runtime.event_subprocesses import wire_event_subprocesses
from engine.runtime.workflow import KapulaWorkflow

_PREDICTED = TaskState.PREDICTED_MASK
TOP = ""  # workflow_id of the case's own process; subprocesses use their parent task's id
_LOG_KEY = "kapula_logged"  # internal_data flag: which lifecycle events were already logged


@dataclass
class SpecBundle:
    """A process version's parsed spec, restored once and shared by all of its cases."""

    dialect: str
    spec: Any
    subprocess_specs: dict[str, Any]
    serializer: BpmnWorkflowSerializer


def spec_to_json(serializer: BpmnWorkflowSerializer, spec: Any, subprocess_specs: dict[str, Any]) -> str:
    registry = serializer.registry
    return json.dumps(
        {
            "spec": registry.convert(spec),
            "subprocess_specs": {name: registry.convert(s) for name, s in subprocess_specs.items()},
        }
    )


def spec_from_json(dialect: str, serializer: BpmnWorkflowSerializer, text: str) -> SpecBundle:
    dct = json.loads(text)
    registry = serializer.registry
    subprocess_specs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
    spec = registry.restore(dct["spec"])
    wire_event_subprocesses(spec, subprocess_specs)
    return SpecBundle(dialect, spec, subprocess_specs, serializer)


@dataclass
class TaskRow:
    """One task as stored."""

    task_id: str
    workflow_id: str
    ordinal: int
    state: int
    manual: bool
    element_id: str | None
    body: str
    is_new: bool


@dataclass
class Transition:
    """A lifecycle change of one BPMN element instance seen in a step."""

    kind: str  # "ready" | "completed" | "cancelled"
    task: Task
    changed: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepChanges:
    header: str
    upserts: list[TaskRow]
    deleted: list[str]
    transitions: list[Transition]
    next_ordinal: int


@dataclass
class LiveCase:
    """A deserialised case kept between steps, with what is needed to write only its changes."""

    workflow: KapulaWorkflow
    bundle: SpecBundle
    ordinals: dict[UUID, int]
    next_ordinal: int
    sub_ids: set[UUID] = field(default_factory=set)  # tasks of running subprocesses as last written
    # subprocesses written as completed, with their header fields: nothing in them changes again, so a
    # step neither looks at their tasks nor converts them anew (a loop around a subprocess makes many)
    done_subs: dict[UUID, str] = field(default_factory=dict)  # subprocess id -> '"id": {its header fields}'
    done_json: str = ""  # the values of done_subs joined, as they go into every header
    running_subs: list[UUID] = field(default_factory=list)  # the other subprocesses, oldest first
    # tasks created or readied in the last step written: nobody can have claimed these yet (a claim
    # needs a ready task, and SpiffWorkflow creates the next user task ahead, before it is ready)
    readied_in_last_step: set[UUID] = field(default_factory=set)
    # the open part (see open_part): the task every kept task descends from, as last written
    anchor: UUID | None = None
    # the root's id when the tree was restored from its open part only (task_tree is then the anchor)
    root_id: str | None = None
    # an anchor whose subtree was too big to list: the subtree only grows, so it is not walked again
    too_big: UUID | None = None
    # predicted tasks (TaskState.LIKELY, MAYBE) of the case's own process: numbered in `ordinals` when
    # first seen, but stored in the header (PREDICTED_KEY), not as task rows (see collect_changes)
    unstored: set[UUID] = field(default_factory=set)


def running_subprocesses(live: LiveCase) -> list[tuple[UUID, Any]]:
    """The case's subprocesses not yet written as completed, without looking at the completed ones:
    a new subprocess is added at the end of `workflow.subprocesses`, so a scan from the end stops at
    the first one already known."""
    subprocesses = live.workflow.subprocesses
    fresh = []
    for sp_id in reversed(subprocesses):
        if sp_id in live.done_subs or sp_id in live.running_subs:
            break
        fresh.append(sp_id)
    live.running_subs = [i for i in live.running_subs if i in subprocesses] + fresh[::-1]
    return [(sp_id, subprocesses[sp_id]) for sp_id in live.running_subs]


def new_live_case(bundle: SpecBundle, script_engine: Any) -> LiveCase:
    workflow = KapulaWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
    workflow.sync_open_tasks()
    return LiveCase(workflow, bundle, {}, 0)


def all_tasks(workflow: KapulaWorkflow) -> list[tuple[str, Task]]:
    pairs = [(TOP, t) for t in workflow.tasks.values()]
    for sp_id, sp in workflow.subprocesses.items():
        pairs.extend((str(sp_id), t) for t in sp.tasks.values())
    return pairs


def _candidate_tasks(live: LiveCase) -> list[tuple[str, Task]]:
    """Tasks that may have changed in the step (see KapulaWorkflow.touched_since_saved), plus the tasks of
    the subprocesses not yet written as completed."""
    pairs = [(TOP, task) for task in live.workflow.touched_since_saved()]
    for sp_id, sp in running_subprocesses(live):
        # running subprocesses are small and short-lived; look at all their tasks
        pairs.extend((str(sp_id), t) for t in sp.tasks.values())
    return pairs


def begin_step() -> float:
    """Mark the start of a step; SpiffWorkflow stamps state changes with time.time()."""
    return time.time()


def collect_changes(live: LiveCase, since: float) -> StepChanges:
    """Everything a step changed: task rows to write, rows to delete, lifecycle transitions."""
    workflow = live.workflow
    registry = live.bundle.serializer.registry
    candidates = _candidate_tasks(live)
    sub_ids = {t.id for wf_id, t in candidates if wf_id != TOP}
    _fresh, removed_top = workflow.mark_saved()
    removed = [i for i in removed_top if i in live.ordinals]
    removed += [i for i in live.sub_ids - sub_ids if i in live.ordinals]
    upserts: list[TaskRow] = []
    transitions: list[Transition] = []
    predicted: list[tuple[int, Task]] = []
    unstored = live.unstored
    dropped: list[UUID] = []  # rows of predicted tasks written before they went into the header
    # finished tasks whose children changed although their state did not (a child added or removed)
    adopting: list[Task | None] = workflow.bereaved
    workflow.bereaved = []
    live.readied_in_last_step = readied = set()
    for wf_id, task in candidates:
        if task._state & _PREDICTED and wf_id == TOP:
            # SpiffWorkflow drops and re-creates its predictions every round (a loop's path past the
            # gateway): they go into the header, rewritten each step anyway, instead of rows
            ordinal = live.ordinals.get(task.id)
            if ordinal is None:
                ordinal = live.ordinals[task.id] = live.next_ordinal
                live.next_ordinal += 1
                unstored.add(task.id)
                readied.add(task.id)
                adopting.append(task.parent)
            elif task.id not in unstored:  # a row written before this (an older case): deleted now
                dropped.append(task.id)
                unstored.add(task.id)
            transitions.extend(_transitions(task, registry))
            predicted.append((ordinal, task))
            continue
        ordinal = live.ordinals.get(task.id)
        is_new = ordinal is None or (wf_id == TOP and task.id in unstored)
        if not is_new and task.last_state_change < since and not task.has_state(TaskState.DEFINITE_MASK):
            continue
        found = _transitions(task, registry)
        transitions.extend(found)
        if ordinal is None:
            ordinal = live.ordinals[task.id] = live.next_ordinal
            live.next_ordinal += 1
            readied.add(task.id)
            if wf_id == TOP:
                adopting.append(task.parent)
        elif is_new:  # predicted until now: its first row, under the number it got when first seen
            unstored.discard(task.id)
            readied.add(task.id)
        elif any(tr.kind == "ready" for tr in found):
            readied.add(task.id)
        upserts.append(task_row(wf_id, task, ordinal, registry, is_new))
    if adopting:
        upserts += _rewritten_parents(live, adopting, since)
    deleted = [str(i) for i in removed if i not in unstored] + [str(i) for i in dropped]
    for task_id in removed:
        live.ordinals.pop(task_id, None)
        unstored.discard(task_id)
    if len(unstored) != len(predicted):  # tasks dropped unseen (a migration re-predicts every open task)
        live.unstored = {task.id for _ordinal, task in predicted}
    for sp_id, sp in running_subprocesses(live):
        if sp.completed:  # written now for the last time
            sp.data = {}  # as _done_sub_fields stores it: it went to the subprocess's task in the parent
            piece = f"{json.dumps(str(sp_id))}: {json.dumps(_done_sub_fields(sp, registry))}"
            live.done_subs[sp_id] = piece
            live.done_json = f"{live.done_json}, {piece}" if live.done_json else piece
            sub_ids.difference_update(sp.tasks)
    live.running_subs = [i for i in live.running_subs if i not in live.done_subs]
    live.sub_ids = sub_ids
    transitions.sort(key=lambda tr: tr.task.last_state_change)
    predicted.sort(key=lambda pair: pair[0])
    return StepChanges(
        header=_header_text(workflow, registry, live, predicted),
        upserts=upserts,
        deleted=deleted,
        transitions=transitions,
        next_ordinal=live.next_ordinal,
    )


def _rewritten_parents(live: LiveCase, parents: list[Task | None], since: float) -> list[TaskRow]:
    """Rows for the finished `parents` (tasks of the case's own process) whose children changed in
    the step although their state did not — a child added, or one removed (KapulaWorkflow.bereaved) —
    and whose rows would not be written otherwise: a row's children list must name the children a
    restore finds (an event subprocess starts as a new child of the completed root)."""
    registry = live.bundle.serializer.registry
    tasks_by_id = live.workflow.tasks
    seen: set[int] = set()
    rows = []
    for parent in parents:
        if parent is None or id(parent) in seen:  # the root, or a parent outside the restored open part
            continue
        if not parent._state & TaskState.FINISHED_MASK or parent.last_state_change >= since:
            continue  # unfinished tasks and tasks finished in this step are written anyway
        seen.add(id(parent))
        ordinal = live.ordinals.get(parent.id)
        if ordinal is not None and tasks_by_id.get(parent.id) is parent:  # still in the tree, with a row
            rows.append(task_row(TOP, parent, ordinal, registry, False))
    return rows


def task_row(wf_id: str, task: Task, ordinal: int, registry: Any, is_new: bool) -> TaskRow:
    return TaskRow(
        task_id=str(task.id),
        workflow_id=wf_id,
        ordinal=ordinal,
        state=task.state,
        manual=bool(task.task_spec.manual),
        element_id=getattr(task.task_spec, "bpmn_id", None),
        body=json.dumps(task_dict(task, registry)),
        is_new=is_new,
    )


def task_dict(task: Task, registry: Any) -> dict[str, Any]:
    """`registry.convert(task)`: the dict SpiffWorkflow 3.2's TaskConverter.to_dict gives a plain
    Task (its typename added), built here with one look-up of the parent instead of four (each is a
    Python-level UUID hash) and without the registry's dispatch; any other task class or converter
    goes through the registry. tests/integration/test_open_part_restore.py compares the two."""
    if type(task) is not Task or not _plain_task_converter(registry):
        return dict(registry.convert(task))
    parent = task.parent
    if parent is None:
        data: dict[str, Any] = task.data
        delta: dict[str, Any] = {}
    else:
        before, after = parent.data, task.data
        data = {}
        delta = {"updates": DeepMerge.get_updated_keys(before, after), "deletions": DeepMerge.get_deleted_keys(before, after)}
    return {
        "id": str(task.id),
        "parent": str(task._parent) if parent is not None else None,
        "children": [str(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task.state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": registry.convert(task.internal_data),
        "data": data,
        "delta": delta,
        "typename": "Task",
    }


_PLAIN_CONVERTERS: dict[int, tuple[Any, bool]] = {}  # id(registry) -> (registry, whether Task has SpiffWorkflow's converter)


def _plain_task_converter(registry: Any) -> bool:
    known = _PLAIN_CONVERTERS.get(id(registry))
    if known is None or known[0] is not registry:
        to_dict = registry.convert_to_dict.get(registry.typenames.get(Task))
        method = getattr(getattr(to_dict, "args", (None, None))[1], "__func__", None) if to_dict is not None else None
        plain = registry.typenames.get(Task) == "Task" and method is TaskConverter.to_dict
        known = _PLAIN_CONVERTERS[id(registry)] = (registry, plain)
    return known[1]


def _transitions(task: Task, registry: Any) -> list[Transition]:
    """Lifecycle events of one task not yet logged, flagged in its internal data so none repeats."""
    if getattr(task.task_spec, "bpmn_id", None) is None:
        return []  # SpiffWorkflow's own helper tasks (Root, Start, End, joins) are not BPMN elements
    logged = task.internal_data.setdefault(_LOG_KEY, "")
    out: list[Transition] = []
    opened = task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.FINISHED_MASK)
    if opened and "r" not in logged and not task.has_state(TaskState.CANCELLED):
        out.append(Transition("ready", task))
        logged += "r"
    if task.has_state(TaskState.COMPLETED) and "c" not in logged:
        out.append(Transition("completed", task, _changed_data(task)))
        logged += "c"
    elif task.has_state(TaskState.CANCELLED) and "r" in logged and "x" not in logged:
        out.append(Transition("cancelled", task))
        logged += "x"
    task.internal_data[_LOG_KEY] = logged
    return out


def _changed_data(task: Task) -> dict[str, Any]:
    if task.parent is None:
        return {}
    before = task.parent.data
    return {k: v for k, v in task.data.items() if k not in before or before[k] != v}


def _workflow_fields(workflow: Any, registry: Any) -> dict[str, Any]:
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }


def _sub_fields(sp: Any, registry: Any) -> dict[str, Any]:
    fields = _workflow_fields(sp, registry)
    fields["parent_task_id"] = str(sp.parent_task_id)
    fields["spec"] = sp.spec.name
    fields["typename"] = registry.typenames[type(sp)]  # restore() picks the converter by it
    return fields


def _done_sub_fields(sp: Any, registry: Any) -> dict[str, Any]:
    # a completed subprocess has handed its data to its task in the parent; keeping a copy of the
    # case data per finished round would make every header grow with the loop
    return dict(_sub_fields(sp, registry), data={})


def _header(workflow: KapulaWorkflow, registry: Any) -> dict[str, Any]:
    header = _workflow_fields(workflow, registry)
    header["bpmn_events"] = registry.convert(workflow.bpmn_events)
    header["subprocesses"] = {str(sp_id): _sub_fields(sp, registry) for sp_id, sp in workflow.subprocesses.items()}
    header["serializer_version"] = live_serializer_version()
    return header


def _header_text(workflow: KapulaWorkflow, registry: Any, live: LiveCase, predicted: list[tuple[int, Task]] | None = None) -> str:
    """_header as JSON, with the completed subprocesses' fields spliced in as written before, and the
    case's predicted tasks (ordinal, body) under PREDICTED_KEY when it has any."""
    top = _workflow_fields(workflow, registry)
    if live.root_id is not None:
        top["root"] = live.root_id
    top[OPEN_PART_KEY] = _open_part_field(live, registry)
    if predicted:
        top[PREDICTED_KEY] = [[ordinal, task_dict(task, registry)] for ordinal, task in predicted]
    top["bpmn_events"] = registry.convert(workflow.bpmn_events)
    top["serializer_version"] = live_serializer_version()
    running_subs = running_subprocesses(live)
    if len(workflow.subprocesses) != len(live.done_subs) + len(running_subs):  # SpiffWorkflow dropped one (a reset)
        live.done_subs = {k: v for k, v in live.done_subs.items() if k in workflow.subprocesses}
        live.done_json = ", ".join(live.done_subs.values())
    running = [f"{json.dumps(str(sp_id))}: {json.dumps(_sub_fields(sp, registry))}" for sp_id, sp in running_subs]
    subs = ", ".join([live.done_json, *running] if live.done_json else running)
    return json.dumps(top)[:-1] + ', "subprocesses": {' + subs + "}}"


def stored_state_refusal(stored: str | None) -> str | None:
    """Why a case saved with SpiffWorkflow serializer version `stored` cannot be restored by this
    one, or None when it can. SpiffWorkflow's own migrations (SpiffWorkflow.bpmn.serializer.
    migration.version_migration: 1.0 → … → 1.5) rewrite a whole serialization with its specs,
    which Kapula stores apart, once per version; running them on a case's pieces could restore a
    case subtly wrong, so an older or newer state is refused by name instead of guessed at."""
    live = live_serializer_version()
    if stored is None or stored == live:
        return None
    return (
        f"this case was saved by SpiffWorkflow's serializer version {stored} and this Kapula reads version "
        f"{live}: it cannot be restored safely; run it with the Kapula release that saved it, or move the "
        f"case to a new version with that release first (docs/migration.md)"
    )


def live_serializer_version() -> str:
    from SpiffWorkflow.bpmn.serializer.workflow import VERSION

    version: str = VERSION
    return version


# header field: the predicted tasks of the case's own process as [ordinal, task body] in ordinal order;
# they have no task rows (collect_changes). Headers written before it lack it; their rows hold them
PREDICTED_KEY = "kapula_predicted"
OPEN_PART_KEY = "kapula_open_part"  # header field: the task ids a restore needs (open_part), or None
_OPEN_PART_MAX = 2000  # above this many tasks the open part is not worth a list; restores read every row


def _open_part_field(live: LiveCase, registry: Any) -> dict[str, Any] | None:
    """The header's open-part field: the kept ids, and the anchor's whole data (its row stores only
    its changes against its parent, SpiffWorkflow's TaskConverter delta, and the parent is not kept)."""
    kept = open_part(live)
    if kept is None or live.anchor is None:
        return None
    anchor = live.workflow.tasks[live.anchor]
    return {"ids": kept, "anchor_data": registry.convert(registry.clean(anchor.data))}


def open_part(live: LiveCase) -> list[str] | None:
    """The ids of the tasks a restore needs, or None when every row is needed.

    SpiffWorkflow's task tree grows by one chain per loop iteration; a restore needs only the part
    that can still change or be looked at: the unfinished tasks, their parents (data inheritance,
    a join's inputs), the last task, the tasks a waiting join carries (joins._ARRIVED) and their
    parents, and everything below the nearest task all of those descend from (the anchor), so every
    kept task's children are kept too. The walk up to the anchor stops at the previous anchor, so
    its cost is the open part's depth, not the history's; an anchor with more than _OPEN_PART_MAX
    tasks below it (a task open since the start, say) gives None without a second walk. Cases with subprocesses (their tasks hang
    off parent tasks anywhere in the tree) and finished cases always restore every row.
    """
    workflow = live.workflow
    if workflow.subprocesses or workflow.completed:
        live.anchor = None
        return None
    from engine.runtime.joins import _ARRIVED  # noqa: PLC0415 - joins imports this module's neighbours

    tasks = workflow.tasks
    seeds: list[Task] = []
    for task in workflow.open_tasks():
        seeds.append(task)
        for ident in task.internal_data.get(_ARRIVED, []):
            other = tasks.get(UUID(ident))
            if other is not None:
                seeds.append(other)
    seeds += [t.parent for t in seeds if t.parent is not None]
    if workflow.last_task is not None and workflow.last_task.id in tasks:
        seeds.append(workflow.last_task)
    if not seeds:
        live.anchor = None
        return None
    anchor = _common_ancestor(seeds, live.anchor)
    if anchor is None:
        live.anchor = None
        return None
    if anchor.id == live.too_big:
        live.anchor = anchor.id
        return None
    kept: list[str] = []
    stack = [anchor]
    while stack:
        current = stack.pop()
        if not current._state & _PREDICTED:  # a predicted task has no row: the header holds it
            kept.append(str(current.id))
        if len(kept) > _OPEN_PART_MAX:
            live.anchor = live.too_big = anchor.id
            return None
        for ident in current._children:
            child = tasks.get(ident)
            if child is None:
                live.anchor = None
                return None
            stack.append(child)
    live.anchor = anchor.id
    return kept


def _common_ancestor(seeds: list[Task], stop: UUID | None) -> Task | None:
    """The nearest task all `seeds` descend from (or are), walking each up to `stop` at most; when
    `stop` is not above all of them, walked again to the root.

    The first seed's path up to `stop` is walked once; every other seed only up to where it meets
    that path (its nearest common ancestor with the first seed). Tasks are told apart by identity,
    not by id: a set of UUIDs costs a Python-level hash per task."""
    unique = list({id(seed): seed for seed in seeds}.values())
    path: list[Task] = []
    node: Task | None = unique[0]
    while node is not None:
        path.append(node)
        if node.id == stop:
            break
        node = node.parent
    else:
        if stop is not None:
            return _common_ancestor(seeds, None)
    place = {id(task): i for i, task in enumerate(path)}
    deepest = 0
    for seed in unique[1:]:
        node = seed
        while node is not None:
            at = place.get(id(node))
            if at is not None:
                deepest = max(deepest, at)
                break
            node = node.parent
        else:  # its path never meets the first seed's: not below `stop`, or another tree
            return _common_ancestor(seeds, None) if stop is not None else None
    return path[deepest]


def restore_live_case(
    bundle: SpecBundle,
    header_text: str,
    rows: list[tuple[str, str, int, str]],
    script_engine: Any,
    *,
    next_ordinal: int | None = None,
) -> LiveCase:
    """Rebuild a case from its header and its task rows (task_id, workflow_id, ordinal, body), in ordinal order:
    every row, or only the open part the header lists (open_part; then `next_ordinal`, the case row's, is needed).
    Raises CaseStepError when the state was written by another version of SpiffWorkflow's serializer
    (stored_state_refusal)."""
    header = json.loads(header_text)
    part = header.pop(OPEN_PART_KEY, None)
    predicted = header.pop(PREDICTED_KEY, None) or []
    refusal = stored_state_refusal(header.get("serializer_version"))
    if refusal is not None:
        raise CaseStepError(refusal)
    by_workflow: dict[str, dict[str, Any]] = {}
    ordinals: dict[UUID, int] = {}
    pieces = [(ordinal, task_id, wf_id, json.loads(body)) for task_id, wf_id, ordinal, body in rows]
    if predicted:  # the header's predicted tasks go in among the rows by their numbers (parents before children)
        pieces += [(ordinal, body["id"], TOP, body) for ordinal, body in predicted]
        pieces.sort(key=lambda piece: piece[0])
    for ordinal, task_id, wf_id, body in pieces:
        by_workflow.setdefault(wf_id, {})[task_id] = body
        ordinals[UUID(task_id)] = ordinal
    if next_ordinal is not None:  # the open part only: its anchor's row gets its whole data instead of its changes
        if part is None:
            raise CaseStepError("this case's header lists no open part to restore from")
        top_tasks = by_workflow.get(TOP, {})
        anchors = [d for d in top_tasks.values() if d["parent"] not in top_tasks]
        if len(anchors) != 1:
            raise CaseStepError(f"the stored open part of this case has {len(anchors)} top tasks instead of one")
        anchors[0]["data"], anchors[0]["delta"] = part["anchor_data"], {}
    dct = dict(header)
    dct["tasks"] = by_workflow.get(TOP, {})
    dct["subprocesses"] = {
        sp_id: dict(fields, tasks=by_workflow.get(sp_id, {})) for sp_id, fields in header["subprocesses"].items()
    }
    workflow = _from_dict(bundle, dct)
    root_id = None
    if workflow.task_tree is None and next_ordinal is not None:  # the open part only: walks start at its anchor
        root_id = header["root"]
        workflow.task_tree = _anchor_of(workflow)
    workflow.script_engine = script_engine  # the serializer keeps no script engine; never fall back to exec/eval
    workflow.sync_open_tasks()
    if next_ordinal is None:
        next_ordinal = max(ordinals.values(), default=-1) + 1
    done = {
        UUID(sp_id): f"{json.dumps(sp_id)}: {json.dumps(dict(fields, data={}))}"
        for sp_id, fields in header["subprocesses"].items()
        if fields.get("completed")
    }
    running = [sp_id for sp_id in header["subprocesses"] if UUID(sp_id) not in done]
    sub_ids = {UUID(task_id) for task_id, wf_id, _o, _b in rows if wf_id in set(running)}
    live = LiveCase(
        workflow,
        bundle,
        ordinals,
        next_ordinal,
        sub_ids,
        done_subs=done,
        done_json=", ".join(done.values()),
        running_subs=[UUID(i) for i in running],
        root_id=root_id,
        unstored={UUID(body["id"]) for _ordinal, body in predicted},
    )
    if root_id is not None and workflow.task_tree is not None:
        live.anchor = workflow.task_tree.id
    return live


def _anchor_of(workflow: KapulaWorkflow) -> Task | None:
    """The one restored task whose parent was not restored (the open part's anchor)."""
    tops = [t for t in workflow.tasks.values() if t._parent not in workflow.tasks]
    if len(tops) != 1:
        raise CaseStepError(f"the stored open part of this case has {len(tops)} top tasks instead of one")
    return tops[0]


def _from_dict(bundle: SpecBundle, dct: dict[str, Any]) -> KapulaWorkflow:
    """BpmnWorkflowConverter.from_dict, with the version's already restored spec instead of a copy per case."""
    registry = bundle.serializer.registry
    workflow = KapulaWorkflow(bundle.spec, bundle.subprocess_specs, deserializing=True)
    wf_converter = _workflow_converter(registry)
    workflow.tasks = wf_converter.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
    wf_converter.set_default_attributes(workflow, dct)
    wf_converter.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = registry.restore(dct.get("bpmn_events", []))
    return workflow


def _workflow_converter(registry: Any) -> Any:
    # the registry keeps converters only as partial(_obj_from_dict, converter.from_dict)
    return registry.convert_from_dict["BpmnWorkflow"].args[0].__self__


def full_state(workflow: KapulaWorkflow, registry: Any) -> dict[str, Any]:
    """What SpiffWorkflow's own serializer would save of the workflow, spec left out (for checks and export)."""
    dct: dict[str, Any] = _workflow_converter(registry).to_dict(workflow)
    dct.pop("spec", None)
    dct.pop("subprocess_specs", None)
    return dct


def open_user_tasks(workflow: KapulaWorkflow) -> list[Task]:
    return [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]


def subprocess_of(workflow: KapulaWorkflow, task: Task) -> BpmnSubWorkflow | None:
    return workflow.subprocesses.get(task.id)


def subprocess_spec_names(header_text: str) -> dict[str, str]:
    """workflow_id -> the spec name of each subprocess a stored case header lists."""
    return {sp_id: fields.get("spec", "") for sp_id, fields in json.loads(header_text).get("subprocesses", {}).items()}
