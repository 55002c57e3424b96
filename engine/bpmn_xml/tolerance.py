"""Diagrams as other modelers write them, made explicit for the engine (on Kapula's private copy of the tree).

The stored file is the uploaded bytes; these rewrites touch only the parsed tree that is described
and compiled, so the drawing keeps what the author drew.
"""

from __future__ import annotations

from lxml import etree

from engine.bpmn_xml.inspect import BPMN_NS, NS, flow_nodes, local_name

# Nodes that split the path themselves; any other flow node with several outgoing flows splits implicitly.
_SPLITTERS = frozenset(
    {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway", "startEvent"}
)
SPLIT_SUFFIX = "__implicit_split"
END_SUFFIX = "__implicit_end"


def normalise_label(text: str | None) -> str | None:
    """A name with its line breaks and runs of spaces made single spaces (Signavio and Visio keep the
    label's line breaks in the name: 'Office\\nA' is the lane 'Office A')."""
    if text is None:
        return None
    return " ".join(text.split())


def normalise_labels(tree: etree._ElementTree) -> None:
    """Every `name` attribute of the tree normalised by `normalise_label`, in place."""
    for element in tree.getroot().iter():
        if isinstance(element.tag, str) and element.get("name") is not None:
            element.set("name", normalise_label(element.get("name")) or "")


def name_messages(tree: etree._ElementTree) -> None:
    """Give every `message` without a name its id as its name, in place.

    BPMN 2.0 (section 8.4.10, "Message") makes a message's name optional: its id identifies it, and
    MIWG and Signavio exports leave the name out. SpiffWorkflow's parsers take the name alone (None
    without one), so such a message could be neither told apart from another unnamed one nor sent by
    name: a case waited at its message start for message None, forever. Kapula addresses it by its id
    (the routing between pools, `POST /api/messages`, `kapula message`, what a case waits for)."""
    for message in tree.getroot().iter(f"{{{BPMN_NS}}}message"):
        if not (message.get("name") or "").strip() and message.get("id"):
            message.set("name", message.get("id", ""))


def make_splits_explicit(tree: etree._ElementTree) -> list[tuple[str, str, str]]:
    """Insert a gateway after every non-gateway flow node with several outgoing sequence flows;
    returns (gateway id, gateway kind, the node's id) of each.

    BPMN 2.0 (section 13.2.1, "Sequence Flow considerations") runs every unconditioned outgoing
    flow of an activity or event in parallel, and each conditional one whose condition holds,
    the activity's `default` flow only when none does. That is a parallel gateway when no flow
    has a condition and an inclusive gateway otherwise (its unconditioned flows get the condition
    True). SpiffWorkflow refuses several outgoing flows on anything but a gateway. The gateway takes
    the node's name, so a condition that fails names what the author drew.
    """
    inserted: list[tuple[str, str, str]] = []
    for scope in tree.getroot().iter(
        f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction", f"{{{BPMN_NS}}}adHocSubProcess"
    ):
        flows = scope.findall("bpmn:sequenceFlow", NS)
        for node in flow_nodes(scope, deep=False):
            out = [f for f in flows if f.get("sourceRef") == node.get("id")]
            if len(out) > 1 and local_name(node) not in _SPLITTERS:
                inserted.append(_insert_split(scope, node, out))
    return inserted


def _insert_split(scope: etree._Element, node: etree._Element, out: list[etree._Element]) -> tuple[str, str, str]:
    conditional = any(f.find("bpmn:conditionExpression", NS) is not None for f in out)
    gateway_id = f"{node.get('id')}{SPLIT_SUFFIX}"
    kind = "inclusiveGateway" if conditional else "parallelGateway"
    gateway = etree.SubElement(scope, f"{{{BPMN_NS}}}{kind}")
    gateway.set("id", gateway_id)
    gateway.set("name", node.get("name") or node.get("id", ""))
    default = node.attrib.pop("default", None)
    if default and conditional:
        gateway.set("default", default)
    for flow in out:
        flow.set("sourceRef", gateway_id)
        if conditional and flow.get("id") != default and flow.find("bpmn:conditionExpression", NS) is None:
            etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression").text = "True"
    link = etree.SubElement(scope, f"{{{BPMN_NS}}}sequenceFlow")
    link.set("id", f"{gateway_id}_in")
    link.set("sourceRef", node.get("id", ""))
    link.set("targetRef", gateway_id)
    for child in node.findall("bpmn:outgoing", NS):
        node.remove(child)
    return gateway_id, kind, node.get("id", "")


def make_ends_explicit(tree: etree._ElementTree) -> list[tuple[str, str, str]]:
    """Give every flow node that has no outgoing sequence flow an end event after it; returns
    (end event id, "endEvent", the node's id) of each.

    BPMN 2.0 (section 13.2.1; 10.5.3 on implicit end) ends the token of a flow node without an
    outgoing sequence flow there, as an end event would. SpiffWorkflow reaches its process's end
    only through end events, so such a case stayed "running" with nothing to wait for, and an
    embedded subprocess without an end event was refused. Left alone: end events, start events,
    event subprocesses and compensation handlers (no flows by design), link throw events, and the
    insides of ad hoc subprocesses (no flows by design)."""
    inserted: list[tuple[str, str, str]] = []
    for scope in tree.getroot().iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction"):
        sources = {f.get("sourceRef") for f in scope.findall("bpmn:sequenceFlow", NS)}
        for node in flow_nodes(scope, deep=False):
            if node.get("id") in sources or not _may_end_implicitly(node):
                continue
            end_id = f"{node.get('id')}{END_SUFFIX}"
            end = etree.SubElement(scope, f"{{{BPMN_NS}}}endEvent")
            end.set("id", end_id)
            flow = etree.SubElement(scope, f"{{{BPMN_NS}}}sequenceFlow")
            flow.set("id", f"{end_id}_in")
            flow.set("sourceRef", node.get("id", ""))
            flow.set("targetRef", end_id)
            inserted.append((end_id, "endEvent", node.get("id", "")))
    return inserted


def _may_end_implicitly(node: etree._Element) -> bool:
    kind = local_name(node)
    if kind in ("endEvent", "startEvent") or node.get("isForCompensation") == "true":
        return False
    if kind == "subProcess" and node.get("triggeredByEvent") == "true":
        return False
    return not (kind == "intermediateThrowEvent" and node.find("bpmn:linkEventDefinition", NS) is not None)
