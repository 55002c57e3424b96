"""The pools a process talks to: its collaboration's other executable processes and its message flows.

A message thrown in one pool is for the other executable pools of the same collaboration (BPMN 2.0
§9.1). Where the author drew message flows from the throwing element, they say which pools the
message goes to; a flow into a pool without a process of its own (a black box, such as the
customer) leaves Kapula and is delivered to no case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn_xml.inspect import NS, executable_processes, flow_nodes


@dataclass(frozen=True)
class Target:
    """Where a message flow goes: a process (None for a pool without one) and the pool's name."""

    process: str | None
    pool: str


@dataclass(frozen=True)
class Partners:
    """The other executable processes of the process's collaborations (by id, in document order),
    the names of their pools, and the message flows out of the process by source element id."""

    processes: tuple[str, ...] = ()
    pools: dict[str, str] = field(default_factory=dict)  # process id -> pool name
    flows: dict[str, tuple[Target, ...]] = field(default_factory=dict)
    outside: tuple[str, ...] = ()  # the names of the pools without a process of their own (black boxes)


def partners_of(tree: etree._ElementTree, process_id: str) -> Partners | None:
    """The partners of `process_id` in this file, or None when the file does not hold the process.
    Raises nothing: a flow to an unknown element is ignored."""
    root = tree.getroot()
    process = next((p for p in root.findall("bpmn:process", NS) if p.get("id") == process_id), None)
    if process is None:
        return None
    runnable = {p.get("id") for p in executable_processes(root)}
    owner_of_node = {n.get("id"): p.get("id") for p in root.findall("bpmn:process", NS) for n in flow_nodes(p)}
    pools: dict[str, str] = {}
    others: list[str] = []
    outside: list[str] = []
    flows: dict[str, list[Target]] = {}
    for collaboration in root.findall("bpmn:collaboration", NS):
        members = collaboration.findall("bpmn:participant", NS)
        if not any(m.get("processRef") == process_id for m in members):
            continue
        by_id = {m.get("id"): m for m in members}
        for member in members:
            ref = member.get("processRef")
            if ref and ref != process_id and ref in runnable and ref not in others:
                others.append(ref)
            if ref:
                pools[ref] = _name(member)
            if ref not in runnable and _name(member) not in outside:
                outside.append(_name(member))
        for flow in collaboration.findall("bpmn:messageFlow", NS):
            source, target = flow.get("sourceRef", ""), flow.get("targetRef", "")
            if owner_of_node.get(source) != process_id and by_id.get(source, etree.Element("x")).get("processRef") != process_id:
                continue
            found = _target(target, by_id, owner_of_node, runnable, pools)
            if found is not None:
                flows.setdefault(source, []).append(found)
    return Partners(tuple(others), pools, {k: tuple(v) for k, v in flows.items()}, tuple(outside))


def _target(
    ref: str,
    by_id: dict[str | None, etree._Element],
    owner_of_node: dict[str | None, str | None],
    runnable: set[str | None],
    pools: dict[str, str],
) -> Target | None:
    if ref in by_id:
        member = by_id[ref]
        process = member.get("processRef")
        return Target(process if process in runnable else None, _name(member))
    process = owner_of_node.get(ref)
    if process is None:
        return None
    return Target(process if process in runnable else None, pools.get(process, process))


def _name(element: etree._Element) -> str:
    return (element.get("name") or "").strip() or element.get("id", "")
