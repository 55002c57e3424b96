"""What a diagram's BPMN DI (BPMN 2.0, ch. 12) says about its drawing: every BPMNShape with its
bounds and the semantic element's kind and markers, every BPMNEdge with its waypoints.

Read from an already secure-parsed tree (engine.bpmn_xml.secure); pure, no SpiffWorkflow. Names
stay plain text here: whoever draws them writes them as text nodes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
# colours: bpmn.io's bioc:, the OMG non-normative colour extension, and bpmn.io's newer color:
COLOUR_ATTRS = {
    "fill": (
        "{http://bpmn.io/schema/bpmn/biocolor/1.0}fill",
        "{http://www.omg.org/spec/BPMN/non-normative/color/1.0}background-color",
    ),
    "stroke": (
        "{http://bpmn.io/schema/bpmn/biocolor/1.0}stroke",
        "{http://www.omg.org/spec/BPMN/non-normative/color/1.0}border-color",
    ),
}
# a colour is copied into the drawing only when it is plainly a colour, never other text
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\(\s*[0-9.%,\s]{5,40}\)")
EVENT_DEFINITIONS = (
    "message",
    "timer",
    "error",
    "escalation",
    "cancel",
    "compensate",
    "conditional",
    "link",
    "signal",
    "terminate",
)
LOOPS = {"standardLoopCharacteristics": "loop"}


@dataclass(frozen=True)
class Box:
    """A rectangle in diagram units (px), y growing downwards."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class DiShape:
    """One BPMNShape: the semantic element's kind (its BPMN tag name) and how it is drawn.

    `flags` holds markers read from the model: throw, non_interrupting, loop, parallel_mi,
    sequential_mi, compensation, collection, event_subprocess, instantiate, parallel,
    black_box, input, output, message_visible, initiating, global_task."""

    element_id: str
    kind: str
    bounds: Box
    name: str = ""
    label: Box | None = None
    horizontal: bool = True
    expanded: bool | None = None
    marker_visible: bool = False
    events: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    fill: str | None = None
    stroke: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class DiEdge:
    """One BPMNEdge: the flow's kind (sequenceFlow, messageFlow, association, …) and waypoints."""

    element_id: str
    kind: str
    points: tuple[tuple[float, float], ...]
    name: str = ""
    label: Box | None = None
    flags: frozenset[str] = frozenset()  # default, conditional, direction_one, direction_both
    source: str = ""
    target: str = ""
    stroke: str | None = None


@dataclass(frozen=True)
class DiDiagram:
    """One BPMNDiagram: its shapes and edges in document order, and each flow node's lane name."""

    id: str
    name: str
    shapes: tuple[DiShape, ...]
    edges: tuple[DiEdge, ...]
    lane_of: dict[str, str]


def read_diagrams(root: etree._Element) -> list[DiDiagram]:
    """Every BPMNDiagram of a parsed BPMN file, in document order (empty when it has no DI).
    Shapes and edges naming no element of the file are skipped (bpmn.io does the same)."""
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    lanes = _lane_names(root)
    diagrams = []
    for diagram in root.iter(f"{{{BPMNDI}}}BPMNDiagram"):
        shapes = [s for s in (_shape(x, elements) for x in diagram.iter(f"{{{BPMNDI}}}BPMNShape")) if s is not None]
        edges = [e for e in (_edge(x, elements) for x in diagram.iter(f"{{{BPMNDI}}}BPMNEdge")) if e is not None]
        diagrams.append(DiDiagram(diagram.get("id") or "", clean(diagram.get("name") or ""), tuple(shapes), tuple(edges), lanes))
    return diagrams


def diagram_for(diagrams: list[DiDiagram], root: etree._Element, key: str | None) -> DiDiagram | None:
    """The diagram that draws process `key`: the one whose plane is the process or a
    collaboration with a pool of it, else the first one with a shape of it; None without DI."""
    if not diagrams:
        return None
    if key is None:
        return diagrams[0]
    pools = {p.get("id") for p in root.iter(f"{{{BPMN}}}participant") if p.get("processRef") == key}
    process = next((p for p in root.iter(f"{{{BPMN}}}process") if p.get("id") == key), None)
    inside = {e.get("id") for e in process.iter() if e.get("id")} if process is not None else set()
    for d in diagrams:
        if any(s.element_id in pools for s in d.shapes):
            return d
    return next((d for d in diagrams if any(s.element_id in inside for s in d.shapes)), None)


def clean(text: str, limit: int = 2000) -> str:
    """A name as drawable text: control characters dropped (XML 1.0 allows none of them),
    runs of blanks kept as single spaces except line breaks, at most `limit` characters."""
    text = "".join(
        ch
        for ch in text[: limit * 2]
        if ch in "\n\t" or (ord(ch) >= 32 and not 0x7F <= ord(ch) < 0xA0 and ch not in "\ufffe\uffff")
    )
    text = "\n".join(" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bounds(element: etree._Element | None) -> Box | None:
    if element is None:
        return None
    try:
        x, y, w, h = (float(element.get(a, "nan")) for a in ("x", "y", "width", "height"))
    except ValueError:
        return None
    if any(v != v or abs(v) > 1e6 for v in (x, y, w, h)) or w < 0 or h < 0:
        return None
    return Box(x, y, w, h)


def _label(di: etree._Element) -> Box | None:
    return _bounds(di.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds"))


def _colour(di: etree._Element, which: str) -> str | None:
    for attr in COLOUR_ATTRS[which]:
        value = (di.get(attr) or "").strip()
        if value and COLOUR.fullmatch(value):
            return value
    return None


def _shape(di: etree._Element, elements: dict[str | None, etree._Element]) -> DiShape | None:
    element = elements.get(di.get("bpmnElement"))
    bounds = _bounds(di.find(f"{{{DC}}}Bounds"))
    if element is None or bounds is None:
        return None
    kind = etree.QName(element).localname
    expanded = None if di.get("isExpanded") is None else di.get("isExpanded") == "true"
    return DiShape(
        element_id=element.get("id") or "",
        kind=kind,
        bounds=bounds,
        name=_name(element, kind, elements),
        label=_label(di),
        horizontal=di.get("isHorizontal") != "false",
        expanded=expanded,
        marker_visible=di.get("isMarkerVisible") == "true",
        events=_event_kinds(element),
        flags=_shape_flags(element, kind, di),
        fill=_colour(di, "fill"),
        stroke=_colour(di, "stroke"),
        host=element.get("attachedToRef"),
    )


def _name(element: etree._Element, kind: str, elements: dict[str | None, etree._Element]) -> str:
    if kind == "textAnnotation":
        return clean(element.findtext(f"{{{BPMN}}}text") or "")
    if kind == "group":  # a group shows its category value's name (BPMN 2.0, 10.7.1)
        value = elements.get(element.get("categoryValueRef"))
        return clean((value.get("value") if value is not None else None) or element.get("name") or "")
    name = element.get("name") or ""
    if kind == "dataObjectReference" and not name:
        target = elements.get(element.get("dataObjectRef"))
        name = target.get("name", "") if target is not None else ""
    state = element.find(f"{{{BPMN}}}dataState")
    if state is not None and state.get("name"):
        name = f"{name}\n[{state.get('name')}]"
    return clean(name)


def _event_kinds(element: etree._Element) -> tuple[str, ...]:
    kinds = []
    for child in element:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag.endswith("EventDefinition") and tag[: -len("EventDefinition")] in EVENT_DEFINITIONS:
            kinds.append(tag[: -len("EventDefinition")])
        elif tag == "eventDefinitionRef":
            kinds.append("multiple")  # a reference says nothing of the kind; drawn as multiple
    return tuple(kinds)


def _shape_flags(element: etree._Element, kind: str, di: etree._Element) -> frozenset[str]:
    flags = set()
    if kind in ("intermediateThrowEvent", "endEvent"):
        flags.add("throw")
    if (kind == "boundaryEvent" and element.get("cancelActivity") == "false") or (
        kind == "startEvent" and element.get("isInterrupting") == "false"
    ):
        flags.add("non_interrupting")
    if element.get("parallelMultiple") == "true":
        flags.add("parallel")
    for child in element:
        tag = etree.QName(child).localname if isinstance(child.tag, str) else ""
        if tag == "standardLoopCharacteristics":
            flags.add("loop")
        elif tag == "multiInstanceLoopCharacteristics":
            flags.add("sequential_mi" if child.get("isSequential") == "true" else "parallel_mi")
    if element.get("isForCompensation") == "true":
        flags.add("compensation")
    if element.get("isCollection") == "true" or _referenced_collection(element):
        flags.add("collection")
    if element.get("triggeredByEvent") == "true":
        flags.add("event_subprocess")
    if element.get("instantiate") == "true":
        flags.add("instantiate")
    if element.get("eventGatewayType") == "Parallel":
        flags.add("parallel")
    if kind == "callActivity" and _calls_global_task(element):
        flags.add("global_task")
    if kind == "participant" and not element.get("processRef"):
        flags.add("black_box")
    if kind in ("dataInput", "dataOutput"):
        flags.add("input" if kind == "dataInput" else "output")
    if di.get("isMessageVisible") == "true":
        flags.add("message_visible")
    if di.get("participantBandKind", "").endswith("_initiating"):
        flags.add("initiating")
    return frozenset(flags)


def _calls_global_task(element: etree._Element) -> bool:
    """A call activity calling a global task is drawn as a task, without the [+] (BPMN 2.0, 10.3.6)."""
    called = element.get("calledElement")
    if not called:
        return False
    target = next((e for e in element.getroottree().iter() if isinstance(e.tag, str) and e.get("id") == called), None)
    return target is not None and etree.QName(target).localname.startswith("global")


def _referenced_collection(element: etree._Element) -> bool:
    if etree.QName(element).localname != "dataObjectReference":
        return False
    ref = element.get("dataObjectRef")
    scope = element.getparent()
    target = next((e for e in scope.iter(f"{{{BPMN}}}dataObject") if e.get("id") == ref), None) if scope is not None else None
    return target is not None and target.get("isCollection") == "true"


def _edge(di: etree._Element, elements: dict[str | None, etree._Element]) -> DiEdge | None:
    element = elements.get(di.get("bpmnElement"))
    if element is None and di.get("bpmnElement") is not None:
        return None
    points = []
    for wp in di.iter(f"{{{DI}}}waypoint"):
        try:
            x, y = float(wp.get("x", "nan")), float(wp.get("y", "nan"))
        except ValueError:
            continue
        if x == x and y == y and abs(x) < 1e6 and abs(y) < 1e6:
            points.append((x, y))
    if len(points) < 2:
        return None
    if element is None:  # a drawn-only link, e.g. a data object attached to a sequence flow (MIWG C.7.0)
        return DiEdge(di.get("id") or "", "diagramEdge", tuple(points), stroke=_colour(di, "stroke"))
    kind = etree.QName(element).localname
    source, target = _ends(element, kind)
    return DiEdge(
        element.get("id") or "",
        kind,
        tuple(points),
        clean(element.get("name") or ""),
        _label(di),
        _edge_flags(element, kind, elements),
        source,
        target,
        _colour(di, "stroke"),
    )


def _ends(element: etree._Element, kind: str) -> tuple[str, str]:
    if kind in ("dataInputAssociation", "dataOutputAssociation"):
        source = element.findtext(f"{{{BPMN}}}sourceRef") or ""
        target = element.findtext(f"{{{BPMN}}}targetRef") or ""
        parent = element.getparent()
        owner = parent.get("id", "") if parent is not None else ""
        return (source.strip() or owner, target.strip() or owner)
    return element.get("sourceRef", ""), element.get("targetRef", "")


def _edge_flags(element: etree._Element, kind: str, elements: dict[str | None, etree._Element]) -> frozenset[str]:
    flags = set()
    if kind == "sequenceFlow":
        source = elements.get(element.get("sourceRef"))
        if source is not None and source.get("default") == element.get("id"):
            flags.add("default")
        # the conditional marker is drawn only where the flow leaves an activity (BPMN 2.0, 10.5.1)
        source_kind = etree.QName(source).localname if source is not None else ""
        if element.find(f"{{{BPMN}}}conditionExpression") is not None and not source_kind.endswith("Gateway"):
            flags.add("conditional")
    if kind == "association":
        direction = element.get("associationDirection", "None")
        if direction in ("One", "Both"):
            flags.add(f"direction_{direction.lower()}")
    return frozenset(flags)


def _lane_names(root: etree._Element) -> dict[str, str]:
    """Each flow node's innermost lane name (its id when unnamed), line breaks as spaces."""
    out: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):  # document order: a child lane comes after its parent
        name = " ".join((lane.get("name") or lane.get("id") or "").split())
        for ref in lane.findall(f"{{{BPMN}}}flowNodeRef"):
            if ref.text:
                out[ref.text.strip()] = name
    return out
