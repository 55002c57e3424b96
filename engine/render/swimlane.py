"""The swimlane drawing as a graphviz graph (pure), and writing it as SVG, PNG or PDF (I/O)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import graphviz
from graphviz import escape
from lxml import etree

from engine import display
from engine.errors import InvalidDataError
from engine.render.di_model import clean
from engine.render.layout import HEADER_W, Layout, lay_out
from engine.render.model import Flow, Node, Overlay, Swimlanes
from engine.render.svg_text import SVG_NS
from engine.render.words import language, words

FORMATS = ("svg", "png", "pdf")
GATEWAY_MARKS = {
    "exclusiveGateway": "×",
    "parallelGateway": "+",
    "inclusiveGateway": "○",
    "eventBasedGateway": "⬠",
    "complexGateway": "✳",
}
TASK_FILL = "#ffffff"
SIDE_LABEL_CHARS = 18  # an event's or gateway's name: about 100 pt a line at 10 pt
WIDE_SIDE_LABEL_CHARS = 26  # at most a column wide (COL_W, 150 pt)
SIDE_LABEL_LINES = 3  # what fits under the shape in its lane (ROW_H / 2 + LANE_PAD)
LINE_PT = 12.0  # a 10 pt line of a name
TASK_LINE_CHARS = 20  # a task box is 1.7 in (122 pt) wide: 20 letters of 10 pt Helvetica, with a margin
TASK_LINES = 4  # and 0.75 in (54 pt) high: four 12 pt lines, measured values included
HEADER_LINE_CHARS = 17  # a lane header is HEADER_W (130 pt) wide: about 17 letters of 12 pt
HEADER_LINE_PT = 14.4  # a 12 pt line of a lane's name
HEAT = ((255, 245, 240), (222, 45, 38))  # light to the slowest stage's red


def text(value: str, limit: int = 300) -> str:
    """A name as a graphviz label that is always plain text: never an HTML label (`<…>`), no
    escape sequences (`\\N`, `\\l`), no control characters, at most `limit` characters."""
    return escape(clean(value, limit))  # type: ignore[no-any-return]


class SwimlaneGraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz is untyped
    """The graphviz graph of a swimlane drawing, with the full name of each shape whose label was
    shortened to fit its box: render() writes it as that shape's SVG <title> (a tooltip)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.titles: dict[str, str] = {}  # graphviz node name -> full name


def fitted(name: str, chars: int, lines: int) -> str:
    """`name` wrapped at `chars` letters a line (a longer word cut with a hyphen), at most `lines`
    lines, the last ending in "…" when more was cut: graphviz does not wrap, so a long name ran
    out of its fixed-size box."""
    wrapped = _wrap(name, chars, cut_long=True).split("\n")
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    kept = wrapped[:lines]
    kept[-1] = kept[-1].rstrip("-")[: chars - 1] + "…"
    return "\n".join(kept)


def build_swimlane(d: Swimlanes, overlay: Overlay | None = None, *, locale: str = display.DEFAULT_LOCALE) -> SwimlaneGraph:
    """The drawing of `d`, with measured values from `overlay` when given, its interface words in
    `locale` ("fi" default, "sv", "en"; engine/render/words.py). Pure: no I/O.
    Every name from the diagram goes through text(); graphviz node names are internal (n0, n1…)."""
    lang = language(locale)
    _, fmt = words(lang), display.formats(lang)
    layout = lay_out(d)
    overlay = overlay or Overlay()
    names = {n.id: f"n{i}" for i, n in enumerate(d.nodes)}
    g = SwimlaneGraph("swimlanes", engine="neato")
    g.attr(
        "graph",
        splines="true",
        outputorder="nodesfirst",
        bgcolor="white",
        pad="0.2",
        label=text(d.name),
        labelloc="t",
        fontname="Helvetica",
        fontsize="16",
    )
    g.attr("node", fontname="Helvetica", fontsize="10", margin="0.05,0.03")
    g.attr("edge", fontname="Helvetica", fontsize="9", color="#444444", arrowsize="0.7")
    _bands(g, layout, _("Työkalut"))
    heat = _heat(overlay.median_seconds)
    for n in d.nodes:
        _node(g, names[n.id], n, _pos(layout, *layout.positions[n.id]), overlay, heat.get(n.id), _, fmt)
        if n.type.endswith(("Event", "Gateway")):
            _side_label(g, names[n.id], n, layout)
    for index, x, y in layout.tool_positions:
        group = d.tools[index]
        g.node(
            f"tool_{index}",
            text("\n".join(group.tools)),
            id=f"tool-{index}",
            shape="note",
            style="filled",
            fillcolor="#fffbe6",
            color="#b8a040",
            pos=_pos(layout, x, y),
            width="1.9",
            height="0.7",
            fontsize="9",
        )
    shown: set[tuple[str, str]] = set()
    for f in d.flows:
        if f.source in names and f.target in names:
            _edge(g, names[f.source], names[f.target], f, layout, overlay, shown, _)
    return g


def _pos(layout: Layout, x: float, y: float) -> str:
    return f"{x:.1f},{layout.height - y:.1f}!"  # graphviz's y grows upwards


def _bands(g: SwimlaneGraph, layout: Layout, tools: str) -> None:
    """Lane bands and their name headers first, so the elements are drawn over them."""
    width_body = layout.width - HEADER_W
    bands = [*layout.lanes, *([layout.tools] if layout.tools else [])]
    for i, band in enumerate(bands):
        is_tools = band is layout.tools
        ident = "tools" if is_tools else f"lane-{i}"
        y = band.top + band.height / 2
        g.node(
            f"{ident}-band",
            "",
            id=f"{ident}-band",
            shape="box",
            style="filled",
            fillcolor="#fbf8ee" if is_tools else ("#f4f6f9" if i % 2 else "#ffffff"),
            color="#9aa4b1",
            width=f"{width_body / 72:.3f}",
            height=f"{band.height / 72:.3f}",
            fixedsize="true",
            pos=_pos(layout, HEADER_W + width_body / 2, y),
        )
        label = tools
        if not is_tools:
            name = clean(band.name or "", 300)
            lines = max(1, int((band.height - 8) // HEADER_LINE_PT))
            label = text(fitted(name, HEADER_LINE_CHARS, lines), 400)
            if fitted(name, HEADER_LINE_CHARS, lines).replace("\n", " ") != name:
                g.titles[f"{ident}-header"] = name
        g.node(
            f"{ident}-header",
            label,
            id=f"{ident}-header",
            shape="box",
            style="filled",
            fillcolor="#e3e8ef" if not is_tools else "#f1e9c9",
            color="#9aa4b1",
            width=f"{HEADER_W / 72:.3f}",
            height=f"{band.height / 72:.3f}",
            fixedsize="true",
            fontsize="12",
            pos=_pos(layout, HEADER_W / 2, y),
        )


def _node(
    g: SwimlaneGraph, name: str, n: Node, pos: str, overlay: Overlay, heat: str | None, _: Callable[..., str], fmt: str
) -> None:
    label = text(n.name or n.id)
    # no tooltip: graphviz would wrap the node in an <a> with the text in an attribute
    attrs: dict[str, str] = {"id": text(f"el-{n.id}"), "pos": pos}
    if n.type.endswith("Gateway"):
        attrs.update(shape="diamond", width="0.55", height="0.55", fixedsize="true", label=GATEWAY_MARKS.get(n.type, ""))
    elif n.type.endswith("Event"):
        thick = {"endEvent": "3", "startEvent": "1"}.get(n.type, "1")
        shape = "doublecircle" if n.type in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent") else "circle"
        attrs.update(shape=shape, width="0.4", height="0.4", fixedsize="true", penwidth=thick, label="")
    elif n.type == "participant":
        attrs.update(shape="box", style="dashed", width="1.6", height="0.5", label=label)
    else:
        medians = overlay.median_seconds.get(n.id)
        measured = [_("mediaani %(duration)s", duration=display.duration(medians, fmt))] if medians is not None else []
        waiting = overlay.waiting_now.get(n.id)
        if waiting:
            measured.append(_("%(count)s odottaa nyt", count=waiting))
        full = clean(n.name or n.id, 300)
        shown = fitted(full, TASK_LINE_CHARS, TASK_LINES - len(measured))
        if shown.replace("\n", " ") != full:
            g.titles[name] = full
        sub = n.type in ("subProcess", "callActivity", "transaction")
        attrs.update(
            shape="box",
            style="rounded,filled" + (",bold" if sub else ""),
            fillcolor=heat or TASK_FILL,
            width="1.7",
            height="0.75",
            fixedsize="true",
            label=text("\n".join([shown, *(_wrap(x, TASK_LINE_CHARS) for x in measured)]), 400),
        )
    g.node(name, **attrs)


def _side_label(g: SwimlaneGraph, name: str, n: Node, layout: Layout) -> None:
    """An event's or a gateway's name under its small shape, centred on it and wrapped narrow
    (SIDE_LABEL_CHARS a line, a longer word cut with a hyphen, at most SIDE_LABEL_LINES lines). It was graphviz's xlabel, which
    graphviz puts where it finds room, up and to the left: a long start event's name ran out of the
    pool past its left edge."""
    full = clean(n.name or n.id, 300)  # the graphviz node stays internal (`name`_name), never the element's name
    lines = _wrap(full, SIDE_LABEL_CHARS, cut_long=True)
    if lines.count("\n") >= SIDE_LABEL_LINES:  # wider lines, then the first lines and "…": it stays in its lane
        lines = _wrap(full, WIDE_SIDE_LABEL_CHARS, cut_long=True)
        if lines.count("\n") >= SIDE_LABEL_LINES:
            lines = "\n".join(lines.split("\n")[:SIDE_LABEL_LINES]).rstrip("-") + "…"
            g.titles[f"{name}_name"] = full
    x, y = layout.positions[n.id]
    half = 19.8 if n.type.endswith("Gateway") else 14.4  # the shape's half height (0.55 in / 0.4 in)
    height = LINE_PT * (lines.count("\n") + 1)
    g.node(
        f"{name}_name",
        text(lines, 400),
        id=text(f"name-{n.id}"),
        shape="plaintext",
        width="0",
        height="0",
        margin="0",
        pos=_pos(layout, x, y + half + 2 + height / 2),
    )


def _edge(
    g: graphviz.Digraph,
    source: str,
    target: str,
    f: Flow,
    layout: Layout,
    overlay: Overlay,
    shown: set[tuple[str, str]],
    _: Callable[..., str],
) -> None:
    attrs: dict[str, str] = {}
    if f.kind == "message":
        attrs.update(style="dashed", arrowhead="empty", arrowtail="odot", dir="both", color="#5a6b8c")
    label = clean(f.name, 200)
    lanes = (layout.lane_of.get(f.source), layout.lane_of.get(f.target))
    if f.kind == "sequence" and lanes[0] != lanes[1] and None not in lanes:
        count = overlay.handoffs.get((lanes[0] or "", lanes[1] or ""))
        if count and lanes not in shown:  # one label per lane pair: the count is the pair's total
            shown.add((lanes[0] or "", lanes[1] or ""))
            label = (label + "\n" if label else "") + _("%(count)s× siirto", count=count)
            attrs.update(penwidth="2", color="#1f5fa8", fontcolor="#1f5fa8")
    g.edge(source, target, label=escape(label), **attrs)


def _heat(medians: dict[str, float]) -> dict[str, str]:
    """A fill per measured element, white to red by its median against the slowest one."""
    top = max(medians.values(), default=0.0)
    if top <= 0:
        return {}
    (r0, g0, b0), (r1, g1, b1) = HEAT
    out = {}
    for element, value in medians.items():
        t = value / top
        out[element] = f"#{round(r0 + (r1 - r0) * t):02x}{round(g0 + (g1 - g0) * t):02x}{round(b0 + (b1 - b0) * t):02x}"
    return out


def _wrap(text: str, width: int = 24, *, cut_long: bool = False) -> str:
    words, lines, line = text.split(), [], ""
    if cut_long:
        words = [piece for word in words for piece in _pieces(word, width)]
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line]) if line else text


def _pieces(word: str, width: int) -> list[str]:
    """A word longer than a line, cut into lines of `width` letters, each but the last ending in a
    hyphen (a 300-letter name would otherwise be one line as wide as the whole drawing)."""
    if len(word) <= width:
        return [word]
    step = width - 1
    cut = [word[i : i + step] for i in range(0, len(word), step)]
    return [piece + "-" for piece in cut[:-1]] + cut[-1:]


def render(graph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """The drawing as SVG, PNG or PDF bytes (runs Graphviz's neato with the pinned positions)."""
    if fmt not in FORMATS:
        raise InvalidDataError(f"unknown drawing format {fmt!r}; use one of {', '.join(FORMATS)}")
    drawn: bytes = graph.pipe(format=fmt, neato_no_op=2, quiet=True)
    titles = getattr(graph, "titles", None)
    return _with_titles(drawn, titles) if fmt == "svg" and titles else drawn


def _with_titles(svg: bytes, titles: dict[str, str]) -> bytes:
    """Each shortened shape's <title> (graphviz writes the internal node name there) replaced by
    the full name, as a text node: browsers show it as the shape's tooltip."""
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    for title in root.iter(f"{{{SVG_NS}}}title"):
        group = title.getparent()
        if group is not None and group.get("class") == "node" and title.text in titles:
            title.text = titles[title.text]
    out: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return out


def write_swimlane(graph: graphviz.Digraph, path: Path, fmt: str | None = None) -> Path:
    """Write the drawing to `path` (format from its suffix unless given)."""
    fmt = fmt or path.suffix.lstrip(".").lower() or "svg"
    path.write_bytes(render(graph, fmt))
    return path
