"""The measured overlays for the web viewer (bpmn-js): the same values the SVG drawing puts on its
DI shapes, as plain data the page hands to the viewer script (never markup)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.metrics.types import ProcessMetrics, Stats
from engine.render.di_model import DiDiagram
from engine.render.di_overlay import handoff_edges, short_duration
from engine.render.di_svg import heat_colour
from engine.render.drawing import di_of_version
from engine.render.sources import overlay_from


@dataclass(frozen=True)
class DiagramView:
    """What the process page's viewer needs of a version: whether its file has a diagram
    interchange (bpmn-js can only show a file that has one) and the overlays (viewer_overlay)."""

    has_di: bool
    diagram_id: str | None = None  # the BPMNDiagram that shows the process (a file may hold several)
    overlays: dict[str, Any] = field(default_factory=lambda: {"elements": {}, "handoffs": [], "pairs": [], "max_median": None})


def diagram_view(source: dict[str, str], key: str, metrics: ProcessMetrics | None, *, locale: str = "fi") -> DiagramView:
    """The viewer's data for `key` in a version's `source` files; `metrics` None shows no values;
    durations written in `locale` ("fi" default, "sv", "en")."""
    di = di_of_version(source, key)
    return DiagramView(
        di is not None, di[0].id if di is not None else None, viewer_overlay(source, key, metrics, di=di, locale=locale)
    )


def viewer_overlay(
    source: dict[str, str],
    key: str,
    metrics: ProcessMetrics | None,
    *,
    di: tuple[DiDiagram, dict[str, str | None]] | None = None,
    locale: str = "fi",
) -> dict[str, Any]:
    """For each measured element: median (text), heat colour, tasks waiting now and its stage
    statistics; for each lane pair's handoffs, the flow that carries the count. JSON-ready:
    {"elements": {id: {...}}, "handoffs": [{"flow", "from", "to", "count"}], "max_median": text}."""
    if metrics is None:
        return {"elements": {}, "handoffs": [], "pairs": [], "max_median": None}
    overlay = overlay_from(metrics)
    top = max(overlay.median_seconds.values(), default=0.0)
    elements: dict[str, Any] = {}
    for stage in metrics.stages:
        median = stage.duration.median
        elements[stage.element_id] = {
            "name": stage.name or stage.element_id,
            "lane": stage.lane,
            "median": short_duration(median, locale) if median is not None else None,
            "heat": heat_colour(median / top) if median is not None and top > 0 else None,
            "waiting": stage.open_now,
            "stats": {
                "count": stage.duration.count,
                "cancelled": stage.cancelled,
                "duration": _stats(stage.duration, locale),
                "waiting": _stats(stage.waiting, locale),
                "working": _stats(stage.working, locale),
                "unclaimed": stage.unclaimed,
            },
        }
    handoffs = []
    di = di if di is not None else di_of_version(source, key)
    if di is not None:
        diagram, lanes = di
        carried = handoff_edges(diagram, overlay, lanes)
        for edge, (from_lane, to_lane, count) in carried.items():
            handoffs.append({"flow": edge.element_id, "from": from_lane, "to": to_lane, "count": count})
    pairs = [{"from": h.from_lane, "to": h.to_lane, "count": h.count} for h in metrics.handoffs]
    return {
        "elements": elements,
        "handoffs": handoffs,
        "pairs": pairs,
        "max_median": short_duration(top, locale) if top else None,
    }


def _stats(s: Stats, locale: str) -> dict[str, Any]:
    return {
        "count": s.count,
        **{
            k: short_duration(v, locale) if v is not None else None
            for k, v in (("median", s.median), ("p90", s.p90), ("max", s.max))
        },
    }
