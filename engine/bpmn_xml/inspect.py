"""Describe a parsed BPMN tree: executable processes, dialect, actors (pools and lanes) and flow nodes.

Actors. Lanes and pools both become actors. A flow node belongs to the innermost lane that lists
it in `flowNodeRef` (nested `childLaneSet`s included); a node inside a subprocess belongs to the
subprocess's lane; otherwise it belongs to its pool (the participant's name), else to None. A
process's actors, top to bottom by the DI shapes' y (document order when a shape is missing),
are: the collaboration's non-executable pools, the lanes that can own a node (leaf lanes, and
parent lanes that list a node none of their children list), and the process's own pool when it
has no lanes or some node sits outside every lane. An unnamed lane or pool is named by its id.

Executable processes. A process is executable unless it has no flow nodes and is either marked
`isExecutable="false"` or drawn as a pool; bpmn.io marks every new process `isExecutable="false"`,
so that flag alone is not trusted.

Forms of user tasks and of the process's start event, first match wins:
  1. Kapula: a `kapula:form` attribute, or `<bpmn:extensionElements><kapula:form>` text, with
     `xmlns:kapula="urn:kapula:bpmn:1.0"`;
  2. Camunda: the `camunda:formKey` attribute;
  3. SpiffWorkflow: `spiffworkflow:properties/spiffworkflow:property[@name="formJsonSchemaFilename"]/@value`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from engine import vocabulary

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
KAPULA_NS = "urn:kapula:bpmn:1.0"
NS = {
    "bpmn": BPMN_NS,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "camunda": CAMUNDA_NS,
    "spiffworkflow": SPIFF_NS,
    "kapula": KAPULA_NS,
}

FLOW_NODE_TYPES = frozenset(vocabulary.FLOW_NODE_TYPES)
SCOPE_TYPES = frozenset(vocabulary.EMBEDDED_SCOPE_TYPES)


@dataclass(frozen=True)
class ElementInfo:
    """One flow node as drawn."""

    id: str
    name: str | None
    type: str  # BPMN local tag name: "userTask", "exclusiveGateway", ...
    line: int | None
    form: str | None = None


@dataclass(frozen=True)
class ProcessInfo:
    """One executable process and who does what in it."""

    id: str
    name: str
    line: int | None
    pool: str | None
    actors: tuple[str, ...]
    element_actor: dict[str, str | None] = field(default_factory=dict)
    elements: dict[str, ElementInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagramInfo:
    """What one BPMN file holds."""

    dialect: str  # "camunda" | "spiff"
    processes: tuple[ProcessInfo, ...]
    collaboration_actors: tuple[str, ...]  # non-executable pools, top to bottom


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def is_flow_node(element: etree._Element) -> bool:
    tag = element.tag
    return isinstance(tag, str) and tag.startswith(f"{{{BPMN_NS}}}") and local_name(element) in FLOW_NODE_TYPES


def flow_nodes(scope: etree._Element, *, deep: bool = True) -> list[etree._Element]:
    """Flow nodes of a process or subprocess; `deep` includes those inside nested subprocesses."""
    candidates = scope.iterdescendants() if deep else iter(scope)
    return [node for node in candidates if is_flow_node(node)]


def participants(root: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = root.findall("bpmn:collaboration/bpmn:participant", NS)
    return found


def is_executable(process: etree._Element, pooled: bool) -> bool:
    if flow_nodes(process, deep=False):
        return True
    return process.get("isExecutable") != "false" and not pooled


def executable_processes(root: etree._Element) -> list[etree._Element]:
    pooled = {p.get("processRef") for p in participants(root)}
    return [p for p in root.findall("bpmn:process", NS) if is_executable(p, p.get("id") in pooled)]


def uses_namespace(root: etree._Element, namespace: str) -> bool:
    """True when any element or attribute is in `namespace` (a mere xmlns declaration does not count)."""
    prefix = f"{{{namespace}}}"
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(prefix):
            return True
        if any(key.startswith(prefix) for key in element.attrib):
            return True
    return False


def detect_dialect(root: etree._Element) -> str:
    """'camunda' when the Camunda namespace is used, else 'spiff' (which also reads plain bpmn.io files)."""
    return "camunda" if uses_namespace(root, CAMUNDA_NS) else "spiff"


def form_of(node: etree._Element) -> str | None:
    found = form_reference(node)
    return found[0] if found is not None else None


def form_reference(node: etree._Element) -> tuple[str, str] | None:
    """The form a user task or the process's start event names, and where: (value, "kapula:form" |
    "camunda:formKey" | "formJsonSchemaFilename"), the first that is given."""
    kind = local_name(node)
    # A start form belongs to the process's own start event, not to a subprocess's.
    if kind != "userTask" and not (kind == "startEvent" and local_name(node.getparent()) == "process"):
        return None
    candidates = [
        (node.get(f"{{{KAPULA_NS}}}form"), "kapula:form"),
        (node.findtext("bpmn:extensionElements/kapula:form", namespaces=NS), "kapula:form"),
        (node.get(f"{{{CAMUNDA_NS}}}formKey"), "camunda:formKey"),
        *(
            (value, "formJsonSchemaFilename")
            for value in node.xpath(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='formJsonSchemaFilename']/@value",
                namespaces=NS,
            )
        ),
    ]
    return next(((str(c).strip(), where) for c, where in candidates if c and str(c).strip()), None)


def describe(tree: etree._ElementTree) -> DiagramInfo:
    """Describe a secure-parsed BPMN tree. Raises nothing; validation reports what is wrong."""
    root = tree.getroot()
    layout = _Layout(root)
    executable = executable_processes(root)
    executable_ids = {p.get("id") for p in executable}
    black_boxes = [p for p in participants(root) if p.get("processRef") not in executable_ids]
    pools = {p.get("processRef"): p for p in reversed(participants(root))}
    processes = tuple(_describe_process(p, pools.get(p.get("id")), layout, black_boxes) for p in executable)
    return DiagramInfo(
        dialect=detect_dialect(root),
        processes=processes,
        collaboration_actors=tuple(_dedupe(_name(p) for p in layout.ordered(black_boxes))),
    )


def _describe_process(
    process: etree._Element, pool: etree._Element | None, layout: _Layout, black_boxes: list[etree._Element]
) -> ProcessInfo:
    pid = process.get("id", "")
    pool_name = _name(pool) if pool is not None else None
    lane_of = _innermost_lanes(process)
    nodes = flow_nodes(process)
    owner: dict[str, etree._Element | None] = {}
    for node in nodes:
        owner[node.get("id", "")] = _owner(node, lane_of, pool)
    element_actor = {nid: (_name(o) if o is not None else None) for nid, o in owner.items()}
    owning = {id(o) for o in owner.values() if o is not None}
    lanes = process.findall(".//bpmn:lane", NS)
    own = [lane for lane in lanes if lane.find("bpmn:childLaneSet/bpmn:lane", NS) is None or id(lane) in owning]
    if pool is not None and (not lanes or any(o is pool for o in owner.values())):
        own.append(pool)
    actors = tuple(_dedupe(_name(e) for e in layout.ordered([*black_boxes, *own])))
    return ProcessInfo(
        id=pid,
        name=process.get("name") or pool_name or pid,
        line=process.sourceline,
        pool=pool_name,
        actors=actors,
        element_actor=element_actor,
        elements={n.get("id", ""): _element_info(n) for n in nodes},
    )


def _element_info(node: etree._Element) -> ElementInfo:
    return ElementInfo(
        id=node.get("id", ""), name=node.get("name"), type=local_name(node), line=node.sourceline, form=form_of(node)
    )


def _innermost_lanes(process: etree._Element) -> dict[str, etree._Element]:
    # iter() visits a parent lane before its childLaneSet, so a child lane's claim overwrites its parent's.
    lane_of: dict[str, etree._Element] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if ref.text and ref.text.strip():
                lane_of[ref.text.strip()] = lane
    return lane_of


def _owner(node: etree._Element, lane_of: dict[str, etree._Element], pool: etree._Element | None) -> etree._Element | None:
    # Modelers list only a subprocess in lanes, not its inner nodes: those inherit the subprocess's lane.
    current: etree._Element | None = node
    while current is not None and local_name(current) != "process":
        if current.get("id") in lane_of:
            return lane_of[current.get("id", "")]
        current = current.getparent()
    return pool


class _Layout:
    """Where the DI draws each pool and lane, to order actors top to bottom."""

    def __init__(self, root: etree._Element) -> None:
        self.position: dict[str, float] = {}
        for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
            bounds = shape.find("dc:Bounds", NS)
            ref = shape.get("bpmnElement")
            if bounds is None or not ref or ref in self.position:
                continue
            axis = "x" if shape.get("isHorizontal") == "false" else "y"
            try:
                self.position[ref] = float(bounds.get(axis, ""))
            except ValueError:
                continue
        # lxml keeps one proxy per node only while it is referenced, so hold them for id() to stay valid.
        self._elements = list(root.iter())
        self.index = {id(e): i for i, e in enumerate(self._elements)}

    def ordered(self, elements: list[etree._Element]) -> list[etree._Element]:
        if all(e.get("id") in self.position for e in elements):
            return sorted(elements, key=lambda e: (self.position[e.get("id", "")], self.index[id(e)]))
        return sorted(elements, key=lambda e: self.index[id(e)])


def _name(element: etree._Element) -> str:
    return (element.get("name") or "").strip() or element.get("id", "")


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
