"""Diagrams as other modelers write them, made explicit for the engine (on Kapula's private copy of the tree).

The stored file is the uploaded bytes; these rewrites touch only the parsed tree that is described
and compiled, so the drawing keeps what the author drew.
"""

from __future__ import annotations

from lxml import etree

from engine.bpmn_xml.inspect import BPMN_NS, NS, flow_nodes, local_name

# Nodes that split the path themselves; any other flow node with several outgoing flows splits implicitly.
_SPLITTERS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
                        "complexGateway", "startEvent"})
SPLIT_SUFFIX = "__implicit_split"


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
    for scope in tree.getroot().iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess",
                                     f"{{{BPMN_NS}}}transaction", f"{{{BPMN_NS}}}adHocSubProcess"):
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
