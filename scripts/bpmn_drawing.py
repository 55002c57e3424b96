"""Draw a swimlane BPMN file (semantics plus diagram interchange) from a compact description.

Used once to draft the reference models in bpmn/; the .bpmn files are the source of truth after
that and may be edited in bpmn.io or Camunda Modeler. Layout: one pool, lanes top to bottom in
the given order, nodes on a grid of columns, orthogonal edges, a Tools row of text annotations
below the pool (the TEM model's "Työkalut" row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

POOL_X, POOL_Y, HEADER, LANE_H, COL_W, FIRST = 120, 60, 30, 130, 160, 70
SIZES = {"task": (100, 80), "event": (36, 36), "gateway": (50, 50)}
TAGS = {
    "start": "startEvent", "end": "endEvent", "timer": "intermediateCatchEvent", "user": "userTask",
    "script": "scriptTask", "rule": "businessRuleTask", "xor": "exclusiveGateway",
    "or": "inclusiveGateway", "and": "parallelGateway",
}


@dataclass
class Node:
    id: str
    kind: str  # a key of TAGS
    name: str
    lane: str
    col: float
    doc: str = ""
    form: str = ""
    timer: str = ""  # a quoted Python expression, e.g. '"P14D"'
    decision: str = ""
    script: str = ""
    default: str = ""  # id of the gateway's default flow
    tools: str = ""  # text of this node's annotation in the Tools row
    dy: float = 0  # vertical offset from the lane's middle, to keep a node off a straight edge

    @property
    def shape(self) -> str:
        if self.kind in ("start", "end", "timer"):
            return "event"
        return "gateway" if self.kind in ("xor", "or", "and") else "task"


@dataclass
class Flow:
    source: str
    target: str
    name: str = ""
    condition: str = ""
    id: str = ""


@dataclass
class Model:
    key: str
    name: str
    lanes: list[tuple[str, str]]  # (id, name) top to bottom
    nodes: list[Node]
    flows: list[Flow]
    doc: str = ""
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for flow in self.flows:
            flow.id = flow.id or f"Flow_{_short(flow.source)}_{_short(flow.target)}"


def _short(element_id: str) -> str:
    return element_id.split("_", 1)[1] if "_" in element_id else element_id


def draw(model: Model) -> str:
    """The whole .bpmn document as text."""
    cols = max(n.col for n in model.nodes) + 1
    width = HEADER + FIRST + cols * COL_W
    lane_y = {lane_id: POOL_Y + i * LANE_H for i, (lane_id, _) in enumerate(model.lanes)}
    for node in model.nodes:
        w, h = SIZES[node.shape]
        cx = POOL_X + HEADER + FIRST + node.col * COL_W
        cy = lane_y[node.lane] + LANE_H / 2 + node.dy
        model.boxes[node.id] = (cx - w / 2, cy - h / 2, w, h)
    semantic = _process(model)
    shapes = _shapes(model, lane_y, width)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:kapula="urn:kapula:bpmn:1.0" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        f'id="Definitions_{model.key}" targetNamespace="urn:kapula:models" exporter="Kapula" exporterVersion="1">\n'
        f'  <bpmn:collaboration id="Collaboration_{model.key}">\n'
        f'    <bpmn:participant id="Participant_{model.key}" name={quoteattr(model.name)} processRef="{model.key}" />\n'
        "  </bpmn:collaboration>\n"
        f"{semantic}"
        f'  <bpmndi:BPMNDiagram id="Diagram_{model.key}">\n'
        f'    <bpmndi:BPMNPlane id="Plane_{model.key}" bpmnElement="Collaboration_{model.key}">\n'
        f"{shapes}"
        "    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n"
    )


def _process(model: Model) -> str:
    out = [f'  <bpmn:process id="{model.key}" name={quoteattr(model.name)} isExecutable="true">\n']
    if model.doc:
        out.append(f"    <bpmn:documentation>{escape(model.doc)}</bpmn:documentation>\n")
    out.append(f'    <bpmn:laneSet id="LaneSet_{model.key}">\n')
    for lane_id, lane_name in model.lanes:
        refs = "".join(f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>\n" for n in model.nodes if n.lane == lane_id)
        out.append(f'      <bpmn:lane id="{lane_id}" name={quoteattr(lane_name)}>\n{refs}      </bpmn:lane>\n')
    out.append("    </bpmn:laneSet>\n")
    out += [_node(model, n) for n in model.nodes]
    for flow in model.flows:
        attrs = f'id="{flow.id}"' + (f" name={quoteattr(flow.name)}" if flow.name else "")
        attrs += f' sourceRef="{flow.source}" targetRef="{flow.target}"'
        if flow.condition:
            out.append(
                f"    <bpmn:sequenceFlow {attrs}>\n"
                f'      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(flow.condition)}</bpmn:conditionExpression>\n'
                "    </bpmn:sequenceFlow>\n"
            )
        else:
            out.append(f"    <bpmn:sequenceFlow {attrs} />\n")
    for node in model.nodes:
        if node.tools:
            out.append(f'    <bpmn:textAnnotation id="Tools_{_short(node.id)}"><bpmn:text>{escape(node.tools)}</bpmn:text></bpmn:textAnnotation>\n')
            out.append(f'    <bpmn:association id="Association_{_short(node.id)}" sourceRef="{node.id}" targetRef="Tools_{_short(node.id)}" />\n')
    out.append("  </bpmn:process>\n")
    return "".join(out)


def _node(model: Model, node: Node) -> str:
    tag = TAGS[node.kind]
    attrs = f'id="{node.id}" name={quoteattr(node.name)}'
    if node.form:
        attrs += f' kapula:form="{node.form}"'
    if node.default:
        attrs += f' default="{node.default}"'
    body = f"      <bpmn:documentation>{escape(node.doc)}</bpmn:documentation>\n" if node.doc else ""
    if node.decision:
        body += f"      <bpmn:extensionElements>\n        <spiffworkflow:calledDecisionId>{node.decision}</spiffworkflow:calledDecisionId>\n      </bpmn:extensionElements>\n"
    body += "".join(f"      <bpmn:incoming>{f.id}</bpmn:incoming>\n" for f in model.flows if f.target == node.id)
    body += "".join(f"      <bpmn:outgoing>{f.id}</bpmn:outgoing>\n" for f in model.flows if f.source == node.id)
    if node.timer:
        body += (
            f'      <bpmn:timerEventDefinition id="TimerDefinition_{_short(node.id)}">\n'
            f'        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{escape(node.timer)}</bpmn:timeDuration>\n'
            "      </bpmn:timerEventDefinition>\n"
        )
    if node.script:
        body += f"      <bpmn:script>{escape(node.script)}</bpmn:script>\n"
    return f"    <bpmn:{tag} {attrs}>\n{body}    </bpmn:{tag}>\n"


def _shapes(model: Model, lane_y: dict[str, float], width: float) -> str:
    height = len(model.lanes) * LANE_H
    out = [_shape(f"Participant_{model.key}", (POOL_X, POOL_Y, width, height), horizontal=True)]
    out += [_shape(lane_id, (POOL_X + HEADER, lane_y[lane_id], width - HEADER, LANE_H), horizontal=True) for lane_id, _ in model.lanes]
    for node in model.nodes:
        extra = ' isMarkerVisible="true"' if node.kind == "xor" else ""
        out.append(_shape(node.id, model.boxes[node.id], extra=extra))
    out += [_edge(flow.id, _route(model, flow)) for flow in model.flows]
    tools_y = POOL_Y + height + 40
    for node in model.nodes:
        if node.tools:
            x, y, w, h = model.boxes[node.id]
            out.append(_shape(f"Tools_{_short(node.id)}", (x - 10, tools_y, 120, 60)))
            out.append(_edge(f"Association_{_short(node.id)}", [(x + w / 2, y + h), (x + w / 2, tools_y)]))
    return "".join(out)


def _shape(element: str, box: tuple[float, float, float, float], *, horizontal: bool = False, extra: str = "") -> str:
    x, y, w, h = box
    flag = ' isHorizontal="true"' if horizontal else ""
    return (
        f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{flag}{extra}>\n'
        f'        <dc:Bounds x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" />\n'
        "      </bpmndi:BPMNShape>\n"
    )


def _edge(element: str, points: list[tuple[float, float]]) -> str:
    waypoints = "".join(f'        <di:waypoint x="{x:g}" y="{y:g}" />\n' for x, y in points)
    return f'      <bpmndi:BPMNEdge id="{element}_di" bpmnElement="{element}">\n{waypoints}      </bpmndi:BPMNEdge>\n'


def _route(model: Model, flow: Flow) -> list[tuple[float, float]]:
    sx, sy, sw, sh = model.boxes[flow.source]
    tx, ty, tw, th = model.boxes[flow.target]
    scx, scy, tcx, tcy = sx + sw / 2, sy + sh / 2, tx + tw / 2, ty + th / 2
    source_gateway = next(n for n in model.nodes if n.id == flow.source).shape == "gateway"
    target_gateway = next(n for n in model.nodes if n.id == flow.target).shape == "gateway"
    if abs(scx - tcx) < 1:  # one above the other
        return [(scx, sy), (tcx, ty + th)] if tcy < scy else [(scx, sy + sh), (tcx, ty)]
    if tx <= sx:  # a loop back: over the top of both
        top = min(sy, ty) - 25
        return [(scx, sy), (scx, top), (tcx, top), (tcx, ty)]
    if abs(scy - tcy) < 1:
        return [(sx + sw, scy), (tx, tcy)]
    if source_gateway:
        edge_y = sy + sh if tcy > scy else sy
        return [(scx, edge_y), (scx, tcy), (tx, tcy)]
    if target_gateway:
        edge_y = ty + th if scy > tcy else ty
        return [(sx + sw, scy), (tcx, scy), (tcx, edge_y)]
    mid = (sx + sw + tx) / 2
    return [(sx + sw, scy), (mid, scy), (mid, tcy), (tx, tcy)]
