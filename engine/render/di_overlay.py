"""The measured values on a DI drawing: median duration and tasks waiting now on each activity,
handoff counts on the flows where work passes to another lane, and a legend below.

Handoffs follow the event log's rule (docs/architecture.md): an activity becoming ready in a
lane other than that of the activity or start event completed last. So a count sits on the flow
that enters an activity of lane B when, walking back over gateways and intermediate events, the
nearest activity or start event is in lane A; never on a flow into an end event.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from engine import display
from engine.render.di_model import Box, DiDiagram, DiEdge
from engine.render.di_shapes import ACTIVITIES
from engine.render.model import Overlay
from engine.render.svg_text import sub, text_block, text_width
from engine.render.words import language, words

HANDOFF = "#1f5fa8"
WAITING = "#c0392b"


def legend_height(overlay: Overlay) -> float:
    """Height (px) of the legend drawn for `overlay`: nothing when it has no values."""
    if not (overlay.median_seconds or overlay.waiting_now or overlay.handoffs):
        return 0.0
    return 86.0 + 16.0 * len(overlay.handoffs)


def draw_overlays(
    root: etree._Element,
    d: DiDiagram,
    overlay: Overlay,
    *,
    lane_of: dict[str, str | None],
    heat: dict[str, str],
    legend_at: tuple[float, float],
    locale: str = display.DEFAULT_LOCALE,
) -> None:
    """Badges on the DI shapes, counts on handoff flows, and the legend at `legend_at`, their words
    in `locale` ("fi" default, "sv", "en"; engine/render/words.py)."""
    if legend_height(overlay) == 0:
        return
    lang = language(locale)
    _, fmt = words(lang), display.formats(lang)
    layer = sub(root, "g", {"class": "layer-overlays"})
    for s in d.shapes:
        median = overlay.median_seconds.get(s.element_id)
        waiting = overlay.waiting_now.get(s.element_id)
        b = s.bounds
        badge = 86.0
        if median is not None:
            g = sub(layer, "g", {"class": "overlay overlay-median", "data-element-id": s.element_id})
            label = _("mediaani %(duration)s", duration=short_duration(median, fmt))
            badge = _badge_width(label, 86.0)  # wider for a language's longer words, never cut
            x = b.x if b.w >= 60 else b.cx - badge / 2  # over a small event or gateway, centred
            sub(g, "rect", {"x": x, "y": b.y - 9, "width": badge, "height": 15, "rx": 7, "fill": "#ffffff", "stroke": "#8a1f1a"})
            text_block(g, label, Box(x, b.y - 10, badge, 16), size=10, max_lines=1, css="overlay-text")
        if waiting:
            g = sub(layer, "g", {"class": "overlay overlay-waiting", "data-element-id": s.element_id})
            cx, cy = (
                (b.x + b.w, b.y) if b.w >= 60 else (b.cx + badge / 2 + 10, b.y - 2)
            )  # beside the median badge of a small shape
            sub(g, "circle", {"cx": cx, "cy": cy, "r": 10, "fill": WAITING})
            text_block(g, str(waiting), Box(cx - 10, cy - 8, 20, 16), size=10, max_lines=1, css="overlay-text", fill="#ffffff")
    for edge, (_from, _to, count) in handoff_edges(d, overlay, lane_of).items():
        _handoff(layer, edge, count, _)
    _legend(root, overlay, *legend_at, _=_, fmt=fmt)


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


def _previous_lanes(
    start: str, kinds: dict[str, str], incoming: dict[str, list[DiEdge]], lane_of: dict[str, str | None]
) -> list[str]:
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


def _handoff(layer: etree._Element, e: DiEdge, count: int, _: Callable[..., str]) -> None:
    g = sub(layer, "g", {"class": "overlay overlay-handoff", "data-element-id": e.element_id})
    sub(
        g,
        "polyline",
        {
            "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in e.points),
            "fill": "none",
            "stroke": HANDOFF,
            "stroke-width": 3,
            "opacity": 0.6,
        },
    )
    (x0, y0), (x1, y1) = e.points[-2], e.points[-1]
    x, y = (x0 + x1) / 2, (y0 + y1) / 2
    label = _("%(count)s× siirto", count=count)
    w = _badge_width(label, 68.0)
    sub(g, "rect", {"x": x - w / 2, "y": y - 17, "width": w, "height": 15, "rx": 7, "fill": HANDOFF})
    text_block(g, label, Box(x - w / 2, y - 18, w, 16), size=10, max_lines=1, css="overlay-text", fill="#ffffff")


def _badge_width(label: str, least: float) -> float:
    """A badge's width (px) for `label` at font size 10: at least `least`, wide enough for one line."""
    return max(least, round(text_width(label, 10) + 12))


def _legend(root: etree._Element, overlay: Overlay, x: float, y: float, *, _: Callable[..., str], fmt: str) -> None:
    g = sub(root, "g", {"class": "legend"})
    sub(g, "text", {"x": x, "y": y + 12, "font-size": 12, "font-weight": "bold"}, _("Mitattu"))
    defs = sub(g, "defs")
    grad = sub(defs, "linearGradient", {"id": "kapula-heat"})
    sub(grad, "stop", {"offset": "0", "stop-color": "#fff5f0"})
    sub(grad, "stop", {"offset": "1", "stop-color": "#de2d26"})
    sub(g, "rect", {"x": x, "y": y + 20, "width": 120, "height": 12, "fill": "url(#kapula-heat)", "stroke": "#999999"})
    top = max(overlay.median_seconds.values(), default=0.0)
    text_block(
        g,
        _("mediaanikesto 0 – %(duration)s", duration=short_duration(top, fmt)),
        Box(x + 124, y + 18, 220, 16),
        size=10,
        align="start",
        max_lines=1,
    )
    sub(g, "circle", {"cx": x + 6, "cy": y + 46, "r": 6, "fill": WAITING})
    text_block(g, _("tehtäviä odottaa nyt"), Box(x + 14, y + 38, 220, 16), size=10, align="start", max_lines=1)
    sub(g, "rect", {"x": x, "y": y + 58, "width": 14, "height": 10, "rx": 4, "fill": HANDOFF})
    text_block(
        g, _("kapulanvaihdot (siirrot kaistalta toiselle)"), Box(x + 18, y + 55, 300, 16), size=10, align="start", max_lines=1
    )
    for i, ((a, b), count) in enumerate(sorted(overlay.handoffs.items(), key=lambda kv: -kv[1])):
        text_block(
            g,
            f"{a} → {b}: {count}",
            Box(x + 18, y + 72 + 16 * i, 600, 16),
            size=10,
            align="start",
            max_lines=1,
            css="legend-handoff",
        )


def short_duration(seconds: float, locale: str = display.DEFAULT_LOCALE) -> str:
    """A duration for a badge, written as everywhere else (engine/display.py) in `locale`'s
    Babel locale: "2 t", "1 pv 19 t" (fi)."""
    return display.duration(seconds, display.formats(language(locale)))
