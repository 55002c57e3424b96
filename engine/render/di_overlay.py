"""The measured values on a DI drawing: median duration and tasks waiting now on each activity,
handoff counts on the flows where work passes to another lane, and a legend below.

Handoffs follow the event log's rule (docs/architecture.md): an activity becoming ready in a
lane other than that of the activity or start event completed last. So a count sits on the flow
that enters an activity of lane B when, walking back over gateways and intermediate events, the
nearest activity or start event is in lane A; never on a flow into an end event.
"""

from __future__ import annotations

from lxml import etree

from engine import display

from engine.render.di_model import Box, DiDiagram, DiEdge
from engine.render.di_shapes import ACTIVITIES
from engine.render.model import Overlay
from engine.render.svg_text import sub, text_block

HANDOFF = "#1f5fa8"
WAITING = "#c0392b"


def legend_height(overlay: Overlay) -> float:
    """Height (px) of the legend drawn for `overlay`: nothing when it has no values."""
    if not (overlay.median_seconds or overlay.waiting_now or overlay.handoffs):
        return 0.0
    return 86.0 + 16.0 * len(overlay.handoffs)


def draw_overlays(root: etree._Element, d: DiDiagram, overlay: Overlay, *, lane_of: dict[str, str | None],
                  heat: dict[str, str], legend_at: tuple[float, float]) -> None:
    """Badges on the DI shapes, counts on handoff flows, and the legend at `legend_at`."""
    if legend_height(overlay) == 0:
        return
    layer = sub(root, "g", {"class": "layer-overlays"})
    for s in d.shapes:
        median = overlay.median_seconds.get(s.element_id)
        waiting = overlay.waiting_now.get(s.element_id)
        b = s.bounds
        if median is not None:
            g = sub(layer, "g", {"class": "overlay overlay-median", "data-element-id": s.element_id})
            x = b.x if b.w >= 60 else b.cx - 43  # over a small event or gateway, centred
            sub(g, "rect", {"x": x, "y": b.y - 9, "width": 86, "height": 15, "rx": 7, "fill": "#ffffff", "stroke": "#8a1f1a"})
            text_block(g, f"mediaani {short_duration(median)}", Box(x, b.y - 10, 86, 16), size=10, max_lines=1, css="overlay-text")
        if waiting:
            g = sub(layer, "g", {"class": "overlay overlay-waiting", "data-element-id": s.element_id})
            cx, cy = (b.x + b.w, b.y) if b.w >= 60 else (b.cx + 53, b.y - 2)  # beside the median badge of a small shape
            sub(g, "circle", {"cx": cx, "cy": cy, "r": 10, "fill": WAITING})
            text_block(g, str(waiting), Box(cx - 10, cy - 8, 20, 16), size=10, max_lines=1, css="overlay-text", fill="#ffffff")
    for edge, (_, _, count) in handoff_edges(d, overlay, lane_of).items():
        _handoff(layer, edge, count)
    _legend(root, overlay, *legend_at)


def handoff_edges(d: DiDiagram, overlay: Overlay, lane_of: dict[str, str | None]) -> dict[DiEdge, tuple[str, str, int]]:
    """The flow that carries each measured lane pair's handoffs: the first (in document order)
    sequence flow into an activity whose nearest preceding activity or start event is in the
    pair's first lane, with (from lane, to lane, count). Pairs no drawn flow carries are only in
    the legend."""
    kinds = {s.element_id: s.kind for s in d.shapes}
    incoming: dict[str, list[DiEdge]] = {}
    for e in d.edges:
        if e.kind == "sequenceFlow":
            incoming.setdefault(e.target, []).append(e)
    out: dict[DiEdge, tuple[str, str, int]] = {}
    shown: set[tuple[str, str]] = set()
    for e in d.edges:
        to_lane = lane_of.get(e.target)
        if e.kind != "sequenceFlow" or kinds.get(e.target) not in ACTIVITIES or to_lane is None:
            continue
        for from_lane in _previous_lanes(e.source, kinds, incoming, lane_of):
            pair = (from_lane, to_lane)
            count = overlay.handoffs.get(pair)
            if from_lane != to_lane and count and pair not in shown:
                shown.add(pair)
                out[e] = (from_lane, to_lane, count)
                break
    return out


def _previous_lanes(start: str, kinds: dict[str, str], incoming: dict[str, list[DiEdge]], lane_of: dict[str, str | None]) -> list[str]:
    """Lanes of the nearest activities or start events at or before `start`, against the flow."""
    seen: set[str] = set()
    todo, lanes = [start], []
    while todo and len(seen) < 10_000:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if kinds.get(node) in ACTIVITIES or kinds.get(node) == "startEvent":
            lane = lane_of.get(node)
            if lane is not None and lane not in lanes:
                lanes.append(lane)
            continue
        todo += [e.source for e in incoming.get(node, [])]
    return lanes


def _handoff(layer: etree._Element, e: DiEdge, count: int) -> None:
    g = sub(layer, "g", {"class": "overlay overlay-handoff", "data-element-id": e.element_id})
    sub(g, "polyline", {"points": " ".join(f"{x:.1f},{y:.1f}" for x, y in e.points), "fill": "none", "stroke": HANDOFF, "stroke-width": 3, "opacity": 0.6})
    (x0, y0), (x1, y1) = e.points[-2], e.points[-1]
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    sub(g, "rect", {"x": x - 34, "y": y - 17, "width": 68, "height": 15, "rx": 7, "fill": HANDOFF})
    text_block(g, f"{count}× siirto", Box(x - 34, y - 18, 68, 16), size=10, max_lines=1, css="overlay-text", fill="#ffffff")


def _legend(root: etree._Element, overlay: Overlay, x: float, y: float) -> None:
    g = sub(root, "g", {"class": "legend"})
    sub(g, "text", {"x": x, "y": y + 12, "font-size": 12, "font-weight": "bold"}, "Mitattu (measured)")
    defs = sub(g, "defs")
    grad = sub(defs, "linearGradient", {"id": "kapula-heat"})
    sub(grad, "stop", {"offset": "0", "stop-color": "#fff5f0"})
    sub(grad, "stop", {"offset": "1", "stop-color": "#de2d26"})
    sub(g, "rect", {"x": x, "y": y + 20, "width": 120, "height": 12, "fill": "url(#kapula-heat)", "stroke": "#999999"})
    top = max(overlay.median_seconds.values(), default=0.0)
    text_block(g, f"mediaanikesto 0 – {short_duration(top)}", Box(x + 124, y + 18, 220, 16), size=10, align="start", max_lines=1)
    sub(g, "circle", {"cx": x + 6, "cy": y + 46, "r": 6, "fill": WAITING})
    text_block(g, "tehtäviä odottaa nyt", Box(x + 14, y + 38, 220, 16), size=10, align="start", max_lines=1)
    sub(g, "rect", {"x": x, "y": y + 58, "width": 14, "height": 10, "rx": 4, "fill": HANDOFF})
    text_block(g, "kapulanvaihdot (siirrot kaistalta toiselle)", Box(x + 18, y + 55, 300, 16), size=10, align="start", max_lines=1)
    for i, ((a, b), count) in enumerate(sorted(overlay.handoffs.items(), key=lambda kv: -kv[1])):
        text_block(g, f"{a} → {b}: {count}", Box(x + 18, y + 72 + 16 * i, 600, 16), size=10, align="start", max_lines=1, css="legend-handoff")


def short_duration(seconds: float) -> str:
    """A duration for a badge, written as everywhere else (engine/display.py): "2 t", "1 pv 19 t"."""
    return display.duration(seconds)
