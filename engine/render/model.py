"""What a swimlane drawing needs of a process: lanes top to bottom, flow nodes, sequence and
message flows, the Tools row, and the measured overlays. Read from the BPMN source, no SpiffWorkflow."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn_xml.inspect import NS, ProcessInfo, describe
from engine.bpmn_xml.secure import parse_xml
from engine.process_card import ProcessCard
from engine.render.words import words
from engine.vocabulary import is_customer_lane


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str
    lane: str | None


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    name: str = ""
    kind: str = "sequence"  # or "message"


@dataclass(frozen=True)
class ToolGroup:
    """Documents, forms and guides used at one stage, drawn under that stage's elements."""

    stage: str
    elements: tuple[str, ...]
    tools: tuple[str, ...]


@dataclass(frozen=True)
class Swimlanes:
    key: str
    name: str
    lanes: tuple[str, ...]
    nodes: tuple[Node, ...]
    flows: tuple[Flow, ...]
    tools: tuple[ToolGroup, ...] = ()


@dataclass(frozen=True)
class Overlay:
    """Measured values drawn on the diagram (seconds; counts)."""

    median_seconds: dict[str, float] = field(default_factory=dict)
    waiting_now: dict[str, int] = field(default_factory=dict)
    handoffs: dict[tuple[str, str], int] = field(default_factory=dict)


def is_customer(lane: str) -> bool:
    """The customer's lane, drawn on top (TEM): the same words as the access rules (engine.vocabulary)."""
    return is_customer_lane(lane)


def customer_first(lanes: list[str]) -> tuple[str, ...]:
    customers = [lane for lane in lanes if is_customer(lane)]
    return tuple(customers + [lane for lane in lanes if lane not in customers])


def swimlanes_from_bpmn(
    source: bytes,
    key: str,
    *,
    filename: str = "model.bpmn",
    card: ProcessCard | None = None,
    form_titles: dict[str, str] | None = None,
    locale: str = "fi",
) -> Swimlanes:
    """The drawing model of process `key` in a BPMN file; a user task's form is shown in the Tools
    row by its title from `form_titles` (file name -> title), as a form in `locale` ("fi", "sv", "en"). Raises DiagramError if it is not XML."""
    tree = parse_xml(source, filename=filename)
    info = describe(tree)
    process = next((p for p in info.processes if p.id == key), None)
    root = tree.getroot()
    element = next((p for p in root.findall("bpmn:process", NS) if p.get("id") == key), None)
    if process is None or element is None:
        return Swimlanes(key, key, (), (), ())
    nodes = [Node(n.id, n.name or "", n.type, process.element_actor.get(n.id)) for n in process.elements.values()]
    known = {n.id for n in nodes}
    flows = [
        Flow(f.get("sourceRef", ""), f.get("targetRef", ""), f.get("name") or "")
        for f in element.iter(f"{{{NS['bpmn']}}}sequenceFlow")
        if f.get("sourceRef") in known and f.get("targetRef") in known
    ]
    nodes, message_flows = _message_flows(root, known, nodes)
    lanes = list(process.actors)
    lanes += [lane for lane in dict.fromkeys(n.lane for n in nodes if n.lane) if lane not in lanes]
    return Swimlanes(
        key,
        process.name,
        customer_first(lanes),
        tuple(nodes),
        tuple(flows + message_flows),
        _tools(card, process, form_titles or {}, locale),
    )


def _message_flows(root: object, known: set[str], nodes: list[Node]) -> tuple[list[Node], list[Flow]]:
    """Message flows touching this process; a black-box pool becomes one node in its own lane."""
    pools = {p.get("id", ""): (p.get("name") or p.get("id", "")) for p in root.findall("bpmn:collaboration/bpmn:participant", NS)}  # type: ignore[attr-defined]
    out: list[Flow] = []
    extra: dict[str, Node] = {}
    for mf in root.findall("bpmn:collaboration/bpmn:messageFlow", NS):  # type: ignore[attr-defined]
        ends = []
        for ref in (mf.get("sourceRef", ""), mf.get("targetRef", "")):
            if ref in known:
                ends.append(ref)
            elif ref in pools:
                extra.setdefault(ref, Node(f"pool:{ref}", pools[ref], "participant", pools[ref]))
                ends.append(f"pool:{ref}")
        if len(ends) == 2 and any(e in known for e in ends):
            out.append(Flow(ends[0], ends[1], mf.get("name") or "", "message"))
    used = {e for f in out for e in (f.source, f.target)}
    return nodes + [n for n in extra.values() if n.id in used], out


def _tools(
    card: ProcessCard | None, process: ProcessInfo, form_titles: dict[str, str], locale: str = "fi"
) -> tuple[ToolGroup, ...]:
    """The card's tools per stage, and each user task's form (by its title, not its file name)
    under that task unless the card lists it already."""
    groups = [ToolGroup(s.name, s.elements, s.tools) for s in card.phases if s.tools] if card is not None else []
    listed = {t for g in groups for t in g.tools}
    for element in process.elements.values():
        tool = tool_name(element.form, form_titles, locale) if element.form else None
        if tool and tool not in listed and element.form not in listed:
            groups.append(ToolGroup(element.name or element.id, (element.id,), (tool,)))
    return tuple(groups)


def tool_name(form: str, form_titles: dict[str, str], locale: str = "fi") -> str:
    """A form as a tool: "Lomake: <its title>" (in `locale`: "Blankett: …", "Form: …"), else its
    file name without folder and suffix."""
    title = form_titles.get(form) or form_titles.get(form.rsplit("/", 1)[-1])
    if not title:
        title = form.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("_", " ")
    return words(locale)("Lomake: %(title)s", title=title)
