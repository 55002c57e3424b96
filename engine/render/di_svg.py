"""A diagram drawn as its author laid it out (its BPMN DI), with the measured overlays: heat
colour and median duration on each activity, tasks waiting now, handoff counts, and a legend.

`build_di_svg` is pure and returns the SVG element tree; names are written as text nodes only.
"""

from __future__ import annotations

import math

from lxml import etree

from engine.render.di_model import Box, DiDiagram, DiEdge, DiShape
from engine.render.di_overlay import draw_overlays, legend_height
from engine.render.di_shapes import DATA, EVENTS, GATEWAYS, STROKE, draw_shape
from engine.render.model import Overlay
from engine.render.svg_text import num, sub, svg_root, text_block, text_width

MARGIN = 20.0
EXTERNAL_LABELS = (*EVENTS, *GATEWAYS, *DATA, "dataStoreReference", "dataStore")
CONTAINERS = ("subProcess", "transaction", "adHocSubProcess", "callActivity")


def build_di_svg(
    d: DiDiagram,
    overlay: Overlay | None = None,
    *,
    lane_of: dict[str, str | None] | None = None,
    title: str | None = None,
    locale: str = "fi",
) -> etree._Element:
    """The SVG of `d` at one unit per DI pixel, shifted so everything (and the legend, when
    `overlay` has values) is in view. `lane_of` names each element's lane for the handoff
    counts (default: the diagram's innermost lanes); the overlays' words in `locale` ("fi",
    "sv", "en"). Pure."""
    overlay = overlay or Overlay()
    box = _extent(d)
    legend_h = legend_height(overlay)
    view = (
        box.x - MARGIN,
        box.y - MARGIN - (24 if title else 0),
        box.w + 2 * MARGIN,
        box.h + 2 * MARGIN + legend_h + (24 if title else 0),
    )
    width = max(view[2], 420.0 if legend_h else 0.0)
    root = svg_root(width, view[3], (view[0], view[1], width, view[3]))
    root.set("class", "kapula-diagram")
    sub(root, "rect", {"class": "background", "x": view[0], "y": view[1], "width": width, "height": view[3], "fill": "#ffffff"})
    if title:
        sub(root, "text", {"class": "title", "x": box.x, "y": box.y - MARGIN, "font-size": 16, "font-weight": "bold"}, title)
    heat = _heat(overlay.median_seconds)
    layers = {
        name: sub(root, "g", {"class": f"layer-{name}"})
        for name in ("bands", "containers", "nodes", "boundary", "edges", "groups", "labels")
    }
    for s in d.shapes:
        layer = _layer(s)
        draw_shape(layers[layer], s, fill=heat.get(s.element_id))
        if s.kind in EXTERNAL_LABELS or s.kind == "group":
            _external_label(layers["labels"], s)
    for e in d.edges:
        draw_edge(layers["edges"], e)
        if e.name:
            _edge_label(layers["labels"], e)
    draw_overlays(
        root,
        d,
        overlay,
        lane_of=lane_of if lane_of is not None else dict(d.lane_of),
        heat=heat,
        legend_at=(box.x, box.y + box.h + MARGIN),
        locale=locale,
    )
    return root


def svg_bytes(root: etree._Element) -> bytes:
    """The SVG document as UTF-8 bytes with an XML declaration."""
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def _layer(s: DiShape) -> str:
    if s.kind in ("participant", "lane"):
        return "bands"
    if s.kind in CONTAINERS and s.expanded:
        return "containers"
    if s.kind == "boundaryEvent":
        return "boundary"
    if s.kind in ("group", "textAnnotation"):
        return "groups"
    return "nodes"


def _extent(d: DiDiagram) -> Box:
    xs: list[float] = []
    ys: list[float] = []
    for s in d.shapes:
        for b in (s.bounds, s.label):
            if b is not None:
                xs += [b.x, b.x + b.w]
                ys += [b.y, b.y + b.h]
        if s.label is None and s.kind in EXTERNAL_LABELS and s.name:
            ys.append(s.bounds.y + s.bounds.h + 34)
    for e in d.edges:
        xs += [p[0] for p in e.points]
        ys += [p[1] for p in e.points]
        if e.label is not None:
            xs += [e.label.x, e.label.x + e.label.w]
            ys += [e.label.y, e.label.y + e.label.h]
    if not xs:
        return Box(0, 0, 100, 100)
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))


def _external_label(parent: etree._Element, s: DiShape) -> None:
    if not s.name:
        return
    b = s.bounds
    if s.kind == "group":
        box = s.label or Box(b.x, b.y + 2, b.w, 16)
        text_block(parent, s.name, box, size=11, valign="top", max_lines=max(2, int(box.h // 13)))
        return
    box = s.label or Box(b.cx - 50, b.y + b.h + 3, 100, 30)
    # a label's bounds are where the author put it; text may run a line or two past them
    text_block(parent, s.name, _widened(box, s.name), size=11, valign="top", max_lines=max(3, int(box.h // 13) + 1))


def _edge_label(parent: etree._Element, e: DiEdge) -> None:
    if e.label is not None:
        box = e.label
    else:
        (x0, y0), (x1, y1) = _middle_segment(e.points)
        box = Box((x0 + x1) / 2 - 45, (y0 + y1) / 2 - 16, 90, 14)
    text_block(parent, e.name, _widened(box, e.name), size=11, valign="top", max_lines=max(3, int(box.h // 13) + 1))


def _widened(box: Box, text: str) -> Box:
    """`box` a little wider, and at least as wide as the longest word (up to 200 px), same centre."""
    longest = max((text_width(w, 11) for w in text.split()), default=0) + 6
    width = max(box.w + 8, min(longest, 200.0), 90.0)
    return Box(box.cx - width / 2, box.y, width, box.h)


def _middle_segment(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], tuple[float, float]]:
    i = (len(points) - 1) // 2
    return points[i], points[i + 1]


def draw_edge(parent: etree._Element, e: DiEdge) -> etree._Element:
    """One flow along its waypoints, with the ends BPMN gives its kind (BPMN 2.0, 7.5.2)."""
    g = sub(parent, "g", {"class": "edge", "data-kind": e.kind, "data-element-id": e.element_id})
    stroke = e.stroke or STROKE
    points = " ".join(f"{num(x)},{num(y)}" for x, y in e.points)
    dash = {
        "messageFlow": "7,5",
        "association": "2,4",
        "dataInputAssociation": "2,4",
        "dataOutputAssociation": "2,4",
        "diagramEdge": "2,4",
    }
    sub(
        g,
        "polyline",
        {
            "class": "outline",
            "points": points,
            "fill": "none",
            "stroke": stroke,
            "stroke-width": 1.5,
            "stroke-dasharray": dash.get(e.kind),
            "stroke-linejoin": "round",
        },
    )
    end, before = e.points[-1], e.points[-2]
    start, after = e.points[0], e.points[1]
    if e.kind == "sequenceFlow":
        _arrow(g, before, end, stroke, filled=True)
        if "default" in e.flags:
            _slash(g, start, after, stroke)
        if "conditional" in e.flags:
            _diamond(g, start, after, stroke)
    elif e.kind == "messageFlow":
        sub(g, "circle", {"cx": start[0], "cy": start[1], "r": 4, "fill": "#ffffff", "stroke": stroke})
        _arrow(g, before, end, stroke, filled=False)
    elif e.kind in ("dataInputAssociation", "dataOutputAssociation") or "direction_one" in e.flags or "direction_both" in e.flags:
        _chevron(g, before, end, stroke)
        if "direction_both" in e.flags:
            _chevron(g, after, start, stroke)
    return g


def _unit(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    return dx / length, dy / length


def _arrow(g: etree._Element, a: tuple[float, float], b: tuple[float, float], stroke: str, *, filled: bool) -> None:
    ux, uy = _unit(a, b)
    x, y = b
    left = (x - 11 * ux - 4 * uy, y - 11 * uy + 4 * ux)
    right = (x - 11 * ux + 4 * uy, y - 11 * uy - 4 * ux)
    sub(
        g,
        "polygon",
        {
            "class": "arrow",
            "points": " ".join(f"{num(px)},{num(py)}" for px, py in (b, left, right)),
            "fill": stroke if filled else "#ffffff",
            "stroke": stroke,
            "stroke-linejoin": "round",
        },
    )


def _chevron(g: etree._Element, a: tuple[float, float], b: tuple[float, float], stroke: str) -> None:
    ux, uy = _unit(a, b)
    x, y = b
    d = f"M{num(x - 10 * ux - 5 * uy)},{num(y - 10 * uy + 5 * ux)} L{num(x)},{num(y)} L{num(x - 10 * ux + 5 * uy)},{num(y - 10 * uy - 5 * ux)}"
    sub(g, "path", {"class": "arrow", "d": d, "fill": "none", "stroke": stroke, "stroke-width": 1.5})


def _slash(g: etree._Element, a: tuple[float, float], b: tuple[float, float], stroke: str) -> None:
    ux, uy = _unit(a, b)
    cx, cy = a[0] + 12 * ux, a[1] + 12 * uy
    d = f"M{num(cx - 6 * ux - 5 * uy)},{num(cy - 6 * uy + 5 * ux)} L{num(cx + 6 * ux + 5 * uy)},{num(cy + 6 * uy - 5 * ux)}"
    sub(g, "path", {"class": "default-marker", "d": d, "stroke": stroke, "stroke-width": 1.5})


def _diamond(g: etree._Element, a: tuple[float, float], b: tuple[float, float], stroke: str) -> None:
    ux, uy = _unit(a, b)
    x, y = a
    pts = [
        (x, y),
        (x + 8 * ux - 4 * uy, y + 8 * uy + 4 * ux),
        (x + 16 * ux, y + 16 * uy),
        (x + 8 * ux + 4 * uy, y + 8 * uy - 4 * ux),
    ]
    sub(
        g,
        "polygon",
        {
            "class": "conditional-marker",
            "points": " ".join(f"{num(px)},{num(py)}" for px, py in pts),
            "fill": "#ffffff",
            "stroke": stroke,
        },
    )


def _heat(medians: dict[str, float]) -> dict[str, str]:
    """A fill per measured element, pale to red by its median against the slowest one."""
    top = max(medians.values(), default=0.0)
    if top <= 0:
        return {}
    return {element: heat_colour(value / top) for element, value in medians.items()}


def heat_colour(t: float) -> str:
    """The heat scale at `t` in [0, 1]: pale (#fff5f0) to red (#de2d26)."""
    t = min(max(t, 0.0), 1.0)
    (r0, g0, b0), (r1, g1, b1) = (255, 245, 240), (222, 45, 38)
    return f"#{round(r0 + (r1 - r0) * t):02x}{round(g0 + (g1 - g0) * t):02x}{round(b0 + (b1 - b0) * t):02x}"
