"""A version's drawing from its stored source files: as its author laid it out (BPMN DI) or by the
TEM swimlane rules (graphviz), as SVG, PNG or PDF, cached per version and measurement.

A page view draws nothing anew while the version and its measured values are unchanged: the
cache key is (process key, version, view, format, a digest of the overlay, the language).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from engine.bpmn_xml.inspect import describe
from engine.bpmn_xml.secure import parse_xml
from engine.errors import DiagramError, InvalidDataError
from engine.process_card import ProcessCard
from engine.render.convert import FORMATS, svg_to
from engine.render.di_model import DiDiagram, diagram_for, read_diagrams
from engine.render.di_svg import build_di_svg, svg_bytes
from engine.render.model import Overlay
from engine.render.sources import BPMN_SUFFIXES, swimlanes_of_version
from engine.render.swimlane import build_swimlane, render

VIEWS = ("auto", "di", "tem")


def di_of_version(source: dict[str, str], key: str) -> tuple[DiDiagram, dict[str, str | None]] | None:
    """The diagram interchange that draws `key` in a version's files, with each element's lane
    (actor) name as the event log records it; None when no file has DI for it."""
    for name in sorted(source):
        if not name.lower().endswith(BPMN_SUFFIXES) or key not in source[name]:
            continue
        try:
            tree = parse_xml(source[name].encode("utf-8"), filename=name)
        except DiagramError:
            continue
        root = tree.getroot()
        diagram = diagram_for(read_diagrams(root), root, key)
        if diagram is None:
            continue
        lanes: dict[str, str | None] = dict(diagram.lane_of)
        for process in describe(tree).processes:
            lanes.update(process.element_actor)
        return diagram, lanes
    return None


def draw_version(
    source: dict[str, str],
    key: str,
    card: ProcessCard | None,
    overlay: Overlay | None,
    *,
    fmt: str = "svg",
    view: str = "auto",
    locale: str = "fi",
) -> bytes:
    """`key` drawn from a version's `source` files, its interface words (the Tools row, the
    measured overlays and legend) in `locale` ("fi" default, "sv", "en"; engine/render/words.py). `view`: "di" (as laid out in the file; an
    InvalidDataError when it has no DI), "tem" (the TEM swimlanes), or "auto" (DI when there is
    one). Raises InvalidDataError for an unknown format or view."""
    if fmt not in FORMATS or view not in VIEWS:
        raise InvalidDataError(f"unknown drawing {fmt!r}/{view!r}; formats {', '.join(FORMATS)}, views {', '.join(VIEWS)}")
    di = di_of_version(source, key) if view != "tem" else None
    if view == "di" and di is None:
        raise InvalidDataError(f"process {key!r} has no diagram interchange (BPMN DI) to draw from; use view=tem")
    if di is not None:
        diagram, lanes = di
        return svg_to(svg_bytes(build_di_svg(diagram, overlay, lane_of=lanes, locale=locale)), fmt)
    return render(build_swimlane(swimlanes_of_version(source, key, card, locale=locale), overlay, locale=locale), fmt)


def overlay_digest(overlay: Overlay | None) -> str:
    """A short digest of the measured values, for cache keys: equal values, equal digest."""
    if overlay is None:
        return "-"
    parts = (sorted(overlay.median_seconds.items()), sorted(overlay.waiting_now.items()), sorted(overlay.handoffs.items()))
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:24]


class DrawingCache:
    """The most recent drawings by (key, version, view, format, overlay digest, language), at most `size`
    of them and `max_bytes` together (a large PNG is megabytes); thread-safe. Drawing happens
    outside the lock, so two first views of one drawing may both draw it."""

    def __init__(self, size: int = 128, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.misses = 0

    def get(self, key: tuple[str, ...], draw: Callable[[], bytes]) -> bytes:
        """The drawing cached under `key`, or draw() stored there (unless it alone is over the budget)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        drawn = draw()
        with self._lock:
            self.misses += 1
            if len(drawn) <= self._max_bytes and key not in self._items:
                self._items[key] = drawn
                self._bytes += len(drawn)
            while len(self._items) > self._size or self._bytes > self._max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted)
        return drawn
