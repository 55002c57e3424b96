"""A deployed model as scenarios see it: its elements by name and lane, and its sequence flows."""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn_xml.inspect import NS, describe, flow_nodes, local_name
from engine.bpmn_xml.secure import parse_xml
from engine.vocabulary import ACTIVITY_TYPES

TASK_TYPES = frozenset(ACTIVITY_TYPES)
GATEWAY_TYPES = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"})


@dataclass(frozen=True)
class Node:
    """One flow node of the model."""

    id: str
    name: str | None
    type: str
    lane: str | None

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass(frozen=True)
class Flow:
    """One sequence flow."""

    id: str
    name: str | None
    source: str
    target: str


class ModelGraph:
    """The nodes and flows of one process key, read from the BPMN source it was deployed from."""

    def __init__(
        self, key: str, name: str, nodes: dict[str, Node], flows: list[Flow], *, called: dict[str, Node] | None = None
    ) -> None:
        self.key = key
        self.name = name
        self.nodes = nodes
        self.flows = flows
        # nodes of the other processes deployed with this one (what its call activities run)
        self.called = called or {}

    @classmethod
    def from_source(cls, key: str, files: dict[str, str]) -> ModelGraph:
        """Find process `key` among the deployed files (filename → XML text). Raises KeyError."""
        found: ModelGraph | None = None
        called: dict[str, Node] = {}
        for filename, text in files.items():
            if not filename.endswith(".bpmn"):
                continue
            tree = parse_xml(text.encode("utf-8"), filename=filename)
            for info in describe(tree).processes:
                process = tree.getroot().find(f"bpmn:process[@id='{info.id}']", NS)
                if process is None:
                    continue
                nodes = {
                    n.get("id", ""): Node(n.get("id", ""), n.get("name"), local_name(n), info.element_actor.get(n.get("id", "")))
                    for n in flow_nodes(process)
                }
                if info.id != key:
                    called.update(nodes)
                    continue
                flows = [
                    Flow(f.get("id", ""), f.get("name"), f.get("sourceRef", ""), f.get("targetRef", ""))
                    for f in process.iterfind(".//bpmn:sequenceFlow", NS)
                ]
                found = cls(key, info.name, nodes, flows)
        if found is None:
            raise KeyError(key)
        found.called = called
        return found

    def named(self, name: str) -> list[Node]:
        """Nodes of this process, or of the processes it calls, whose name (or id) is `name`."""
        every = [*self.nodes.values(), *self.called.values()]
        return [n for n in every if name in (n.name, n.id)]

    def lanes(self) -> set[str]:
        return {n.lane for n in [*self.nodes.values(), *self.called.values()] if n.lane}

    def tasks(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type in TASK_TYPES]

    def end_events(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type == "endEvent"]

    def gateway_flows(self) -> list[Flow]:
        """Outgoing flows of gateways that split (more than one way out)."""
        out = []
        for node in self.nodes.values():
            if node.type in GATEWAY_TYPES:
                leaving = [f for f in self.flows if f.source == node.id]
                if len(leaving) > 1:
                    out += leaving
        return out

    def sources_into(self, node_id: str) -> set[str]:
        return {f.source for f in self.flows if f.target == node_id}
