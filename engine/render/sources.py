"""The drawing of a deployed version: its BPMN file and card from the stored sources, and the
overlay from its measured metrics."""

from __future__ import annotations

import json

from engine.metrics.types import ProcessMetrics
from engine.process_card import ProcessCard
from engine.render.model import Overlay, Swimlanes, swimlanes_from_bpmn

BPMN_SUFFIXES = (".bpmn", ".xml")


def swimlanes_of_version(source: dict[str, str], key: str, card: ProcessCard | None, *, locale: str = "fi") -> Swimlanes:
    """The drawing model of `key` from the files a version was deployed from; forms named as
    tools in `locale` ("Lomake: …" in fi)."""
    titles = form_titles(source)
    for name in sorted(source):
        if name.lower().endswith(BPMN_SUFFIXES) and f'id="{key}"' in source[name]:
            drawn = swimlanes_from_bpmn(
                source[name].encode("utf-8"), key, filename=name, card=card, form_titles=titles, locale=locale
            )
            if drawn.nodes:
                return drawn
    return Swimlanes(key, key, (), (), ())


def form_titles(source: dict[str, str]) -> dict[str, str]:
    """The `title` of each JSON form among a version's files (file name -> title)."""
    titles = {}
    for name, text in source.items():
        if not name.lower().endswith(".json") or name.lower().endswith(".card.json"):
            continue
        try:
            schema = json.loads(text)
        except ValueError:
            continue
        if isinstance(schema, dict) and isinstance(schema.get("title"), str) and schema["title"].strip():
            titles[name] = schema["title"].strip()
    return titles


def overlay_from(metrics: ProcessMetrics) -> Overlay:
    """Median stage durations, tasks open now, and handoff counts between lanes."""
    return Overlay(
        median_seconds={s.element_id: s.duration.median for s in metrics.stages if s.duration.median is not None},
        waiting_now={s.element_id: s.open_now for s in metrics.stages if s.open_now},
        handoffs={(h.from_lane, h.to_lane): h.count for h in metrics.handoffs},
    )
