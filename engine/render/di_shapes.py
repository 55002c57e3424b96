"""Each BPMN element's shape and markers (BPMN 2.0, ch. 7.5 and 10) drawn at its DI bounds.

Every shape is a <g class="shape" data-kind=… data-element-id=…> whose first child (class
"outline") has exactly the DI bounds; markers are drawn in a unit frame scaled to the shape.
"""

from __future__ import annotations

from lxml import etree

from engine.render.di_model import Box, DiShape
from engine.render.svg_text import num, rotated_block, sub, text_block

TASKS = ("task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "businessRuleTask")
ACTIVITIES = (*TASKS, "callActivity", "subProcess", "transaction", "adHocSubProcess")
EVENTS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")
GATEWAYS = ("exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway")
DATA = ("dataObject", "dataObjectReference", "dataInput", "dataOutput")
STROKE = "#22242a"
BAND = 30.0  # the name band of a pool or lane, as bpmn.io draws it

# event markers in a 36 × 36 frame (bpmn.io's event size), centre (18, 18)
EVENT_MARKS = {
    "message": ("M10,12 L26,12 L26,24 L10,24 Z M10,12 L18,19 L26,12", "env"),
    "error": ("M11,26 L15,12 L20,20 L25,10 L21,25 L16,17 Z", "fill"),
    "escalation": ("M18,9 L25,26 L18,19 L11,26 Z", "fill"),
    "cancel": ("M11,13 L13,11 L18,16 L23,11 L25,13 L20,18 L25,23 L23,25 L18,20 L13,25 L11,23 L16,18 Z", "fill"),
    "compensate": ("M9,18 L17,12 L17,24 Z M17,18 L25,12 L25,24 Z", "fill"),
    "conditional": ("M12,10 L24,10 L24,26 L12,26 Z M14,14 L22,14 M14,18 L22,18 M14,22 L22,22", "line"),
    "link": ("M10,15 L20,15 L20,11 L27,18 L20,25 L20,21 L10,21 Z", "fill"),
    "signal": ("M18,9 L27,25 L9,25 Z", "fill"),
    "multiple": ("M18,9 L26.6,15.2 L23.3,25.3 L12.7,25.3 L9.4,15.2 Z", "fill"),
    "parallel": ("M16,9 L20,9 L20,16 L27,16 L27,20 L20,20 L20,27 L16,27 L16,20 L9,20 L9,16 L16,16 Z", "line"),
}


def draw_shape(parent: etree._Element, s: DiShape, *, fill: str | None = None) -> etree._Element:
    """Draw `s` into `parent`; `fill` (a heat colour) overrides the file's own fill."""
    g = sub(parent, "g", {"class": f"shape {_family(s)}", "data-kind": s.kind, "data-element-id": s.element_id})
    colour = fill or s.fill
    if s.kind in ("participant", "lane"):
        _band(g, s, colour)
    elif s.kind in EVENTS:
        _event(g, s, colour)
    elif s.kind in GATEWAYS:
        _gateway(g, s, colour)
    elif s.kind in ACTIVITIES:
        _activity(g, s, colour)
    elif s.kind in DATA:
        _data_object(g, s, colour)
    elif s.kind == "dataStoreReference" or s.kind == "dataStore":
        _data_store(g, s, colour)
    elif s.kind == "textAnnotation":
        b = s.bounds
        sub(g, "rect", {"class": "outline", "x": b.x, "y": b.y, "width": b.w, "height": b.h, "fill": "none", "stroke": "none"})
        sub(
            g,
            "path",
            {
                "d": f"M{num(b.x + 10)},{num(b.y)} L{num(b.x)},{num(b.y)} L{num(b.x)},{num(b.y + b.h)} L{num(b.x + 10)},{num(b.y + b.h)}",
                "fill": "none",
                "stroke": s.stroke or STROKE,
            },
        )
        text_block(g, s.name, Box(b.x + 3, b.y, max(b.w - 3, 10), b.h), align="start", max_lines=max(1, int(b.h // 13) + 2))
    elif s.kind == "group":
        b = s.bounds
        sub(
            g,
            "rect",
            {
                "class": "outline",
                "x": b.x,
                "y": b.y,
                "width": b.w,
                "height": b.h,
                "rx": 10,
                "fill": "none",
                "stroke": s.stroke or STROKE,
                "stroke-dasharray": "10,4,2,4",
            },
        )
    else:  # choreography, conversation, message, …: a plain box keeps its place and name
        b = s.bounds
        sub(
            g,
            "rect",
            {
                "class": "outline",
                "x": b.x,
                "y": b.y,
                "width": b.w,
                "height": b.h,
                "rx": 4,
                "fill": colour or "#ffffff",
                "stroke": s.stroke or STROKE,
                "stroke-dasharray": "4,3",
            },
        )
        text_block(g, s.name, b)
    return g


def _family(s: DiShape) -> str:
    for family, kinds in (("activity", ACTIVITIES), ("event", EVENTS), ("gateway", GATEWAYS), ("data", DATA)):
        if s.kind in kinds:
            return family
    return s.kind


def _band(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    sub(
        g,
        "rect",
        {
            "class": "outline",
            "x": b.x,
            "y": b.y,
            "width": b.w,
            "height": b.h,
            "fill": colour or ("#ffffff" if s.kind == "participant" else "none"),
            "stroke": s.stroke or STROKE,
            "stroke-width": 1.5 if s.kind == "participant" else 1,
        },
    )
    if "black_box" in s.flags:
        text_block(g, s.name, b, size=12)
        return
    if s.horizontal:
        band = Box(b.x, b.y, min(BAND, b.w), b.h)
        if s.kind == "participant":
            sub(g, "line", {"x1": b.x + band.w, "y1": b.y, "x2": b.x + band.w, "y2": b.y + b.h, "stroke": s.stroke or STROKE})
        rotated_block(g, s.name, band)
    else:
        band = Box(b.x, b.y, b.w, min(BAND, b.h))
        if s.kind == "participant":
            sub(g, "line", {"x1": b.x, "y1": b.y + band.h, "x2": b.x + b.w, "y2": b.y + band.h, "stroke": s.stroke or STROKE})
        text_block(g, s.name, band, size=12, css="lane-label")


def _event(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    r = min(b.w, b.h) / 2
    dash = "5,3" if "non_interrupting" in s.flags else None
    width = 4 if s.kind == "endEvent" else 1.5
    stroke = s.stroke or STROKE
    sub(
        g,
        "ellipse",
        {
            "class": "outline",
            "cx": b.cx,
            "cy": b.cy,
            "rx": b.w / 2,
            "ry": b.h / 2,
            "fill": colour or "#ffffff",
            "stroke": stroke,
            "stroke-width": width,
            "stroke-dasharray": dash,
        },
    )
    if s.kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
        sub(
            g,
            "circle",
            {
                "cx": b.cx,
                "cy": b.cy,
                "r": max(r - 3, 1),
                "fill": "none",
                "stroke": stroke,
                "stroke-width": 1.5,
                "stroke-dasharray": dash,
            },
        )
    kinds = s.events
    if len(kinds) > 1:
        kinds = ("parallel",) if "parallel" in s.flags else ("multiple",)
    if not kinds:
        return
    frame = _frame(g, b, 36.0)
    throw = "throw" in s.flags
    if kinds[0] == "terminate":
        sub(frame, "circle", {"cx": 18, "cy": 18, "r": 10, "fill": stroke})
    elif kinds[0] == "timer":
        sub(frame, "circle", {"cx": 18, "cy": 18, "r": 10, "fill": "#ffffff", "stroke": stroke, "stroke-width": 1.5})
        ticks = " ".join(
            f"M{num(18 + 8 * c)},{num(18 + 8 * d)} L{num(18 + 10 * c)},{num(18 + 10 * d)}"
            for c, d in ((0, -1), (0.87, -0.5), (0.87, 0.5), (0, 1), (-0.87, 0.5), (-0.87, -0.5))
        )
        sub(frame, "path", {"d": f"{ticks} M18,18 L18,11 M18,18 L23,16", "fill": "none", "stroke": stroke})
    else:
        path, style = EVENT_MARKS[kinds[0]]
        _mark(frame, path, style, stroke, filled=throw)


def _mark(frame: etree._Element, path: str, style: str, stroke: str, *, filled: bool) -> None:
    if style == "env" and filled:
        sub(frame, "path", {"d": path.split(" M")[0], "fill": stroke, "stroke": stroke})
        sub(frame, "path", {"d": "M" + path.split(" M")[1], "fill": "none", "stroke": "#ffffff"})
    elif style == "line":
        sub(frame, "path", {"d": path, "fill": "none" if not filled else stroke, "stroke": stroke, "stroke-width": 1.5})
    else:
        sub(frame, "path", {"d": path, "fill": stroke if filled else "none", "stroke": stroke, "stroke-linejoin": "round"})


def _frame(
    g: etree._Element, b: Box, unit: float, *, at: tuple[float, float] | None = None, scale: float | None = None
) -> etree._Element:
    """A group whose coordinates are a `unit`-sized frame over `b` (or at `at`, scaled by `scale`)."""
    k = scale if scale is not None else min(b.w, b.h) / unit
    x, y = at if at is not None else (b.cx - unit * k / 2, b.cy - unit * k / 2)
    return sub(g, "g", {"class": "marker", "transform": f"translate({num(x)} {num(y)}) scale({k:.4f})"})


def _gateway(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    stroke = s.stroke or STROKE
    points = f"{num(b.cx)},{num(b.y)} {num(b.x + b.w)},{num(b.cy)} {num(b.cx)},{num(b.y + b.h)} {num(b.x)},{num(b.cy)}"
    sub(g, "polygon", {"class": "outline", "points": points, "fill": colour or "#ffffff", "stroke": stroke, "stroke-width": 1.5})
    frame = _frame(g, b, 50.0)
    thick = {"stroke": stroke, "stroke-width": 3.5, "fill": "none", "stroke-linecap": "square"}
    if s.kind == "parallelGateway":
        sub(frame, "path", {"d": "M25,13 L25,37 M13,25 L37,25", **thick})
    elif s.kind == "exclusiveGateway" and s.marker_visible:
        sub(frame, "path", {"d": "M17,17 L33,33 M33,17 L17,33", **thick})
    elif s.kind == "inclusiveGateway":
        sub(frame, "circle", {"cx": 25, "cy": 25, "r": 11, "fill": "none", "stroke": stroke, "stroke-width": 2.5})
    elif s.kind == "complexGateway":
        sub(frame, "path", {"d": "M25,12 L25,38 M12,25 L38,25 M16,16 L34,34 M34,16 L16,34", **thick, "stroke-width": 3})
    elif s.kind == "eventBasedGateway":
        sub(frame, "circle", {"cx": 25, "cy": 25, "r": 13, "fill": "none", "stroke": stroke})
        if "instantiate" not in s.flags or "parallel" in s.flags:
            sub(frame, "circle", {"cx": 25, "cy": 25, "r": 10.5, "fill": "none", "stroke": stroke})
        if "parallel" in s.flags:
            sub(
                frame,
                "path",
                {
                    "d": "M23,17 L27,17 L27,23 L33,23 L33,27 L27,27 L27,33 L23,33 L23,27 L17,27 L17,23 L23,23 Z",
                    "fill": "none",
                    "stroke": stroke,
                },
            )
        else:
            sub(
                frame,
                "path",
                {
                    "d": "M25,17.5 L32.1,22.7 L29.4,31 L20.6,31 L17.9,22.7 Z",
                    "fill": "none",
                    "stroke": stroke,
                    "stroke-width": 1.3,
                },
            )


def _activity(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    stroke = s.stroke or STROKE
    expanded = s.expanded if s.expanded is not None else s.kind in ("subProcess", "transaction", "adHocSubProcess") and b.w > 200
    width = 4 if s.kind == "callActivity" else 1.5
    dash = "2,3" if "event_subprocess" in s.flags else None
    sub(
        g,
        "rect",
        {
            "class": "outline",
            "x": b.x,
            "y": b.y,
            "width": b.w,
            "height": b.h,
            "rx": 10,
            "fill": colour or "#ffffff",
            "stroke": stroke,
            "stroke-width": width,
            "stroke-dasharray": dash,
        },
    )
    if s.kind == "transaction":
        sub(
            g,
            "rect",
            {
                "x": b.x + 3,
                "y": b.y + 3,
                "width": max(b.w - 6, 1),
                "height": max(b.h - 6, 1),
                "rx": 8,
                "fill": "none",
                "stroke": stroke,
            },
        )
    if s.kind in ("subProcess", "transaction", "adHocSubProcess", "callActivity") and expanded:
        text_block(g, s.name, Box(b.x + 4, b.y + 2, b.w - 8, 30), align="start", valign="top", max_lines=2)
    else:
        icon = 22 if s.kind in TASKS and s.kind != "task" else 0
        text_block(g, s.name, Box(b.x + 3, b.y + icon * 0.6, b.w - 6, b.h - icon * 0.6 - 12), max_lines=None)
    if s.kind in TASKS:
        _task_icon(_frame(g, b, 20, at=(b.x + 5, b.y + 5), scale=1.0), s, stroke)
    _markers(g, s, b, stroke, collapsed=not expanded and "global_task" not in s.flags)


def _task_icon(f: etree._Element, s: DiShape, stroke: str) -> None:
    line = {"fill": "none", "stroke": stroke, "stroke-width": 1.2}
    if s.kind == "userTask":
        sub(f, "circle", {"cx": 8, "cy": 5, "r": 3.5, **line})
        sub(f, "path", {"d": "M1,17 C1,10 15,10 15,17 Z", **line})
    elif s.kind == "manualTask":
        sub(f, "path", {"d": "M1,8 L9,3 L15,3 M5,8 L17,8 M6,11 L17,11 M6,14 L15,14 M1,8 L1,15 L13,17", **line})
    elif s.kind == "serviceTask":
        teeth = " ".join(
            f"M{num(9 + 5 * c)},{num(9 + 5 * d)} L{num(9 + 8 * c)},{num(9 + 8 * d)}"
            for c, d in ((1, 0), (0.71, 0.71), (0, 1), (-0.71, 0.71), (-1, 0), (-0.71, -0.71), (0, -1), (0.71, -0.71))
        )
        sub(f, "path", {"d": teeth, "fill": "none", "stroke": stroke, "stroke-width": 2.4})
        sub(f, "circle", {"cx": 9, "cy": 9, "r": 5, **line})
        sub(f, "circle", {"cx": 9, "cy": 9, "r": 2, **line})
    elif s.kind in ("sendTask", "receiveTask"):
        filled = s.kind == "sendTask"
        sub(f, "path", {"d": "M1,4 L17,4 L17,15 L1,15 Z", "fill": stroke if filled else "none", "stroke": stroke})
        sub(f, "path", {"d": "M1,4 L9,10 L17,4", "fill": "none", "stroke": "#ffffff" if filled else stroke})
    elif s.kind == "scriptTask":
        sub(f, "path", {"d": "M4,1 L15,1 C11,5 17,11 13,17 L2,17 C6,11 0,5 4,1 Z M5,5 L12,5 M6,9 L13,9 M6,13 L12,13", **line})
    elif s.kind == "businessRuleTask":
        sub(f, "rect", {"x": 1, "y": 3, "width": 17, "height": 13, **line})
        sub(f, "rect", {"x": 1, "y": 3, "width": 17, "height": 4, "fill": "#c8cbd1", "stroke": stroke, "stroke-width": 1.2})
        sub(f, "path", {"d": "M1,11.5 L18,11.5 M6,7 L6,16", **line})


def _markers(g: etree._Element, s: DiShape, b: Box, stroke: str, *, collapsed: bool) -> None:
    """Bottom-centre markers, left to right as BPMN orders them: loop/multi-instance, ad hoc,
    compensation, collapsed sub-process."""
    marks: list[str] = [m for m in ("loop", "parallel_mi", "sequential_mi") if m in s.flags]
    if s.kind == "adHocSubProcess":
        marks.append("adhoc")
    if "compensation" in s.flags:
        marks.append("compensation")
    if collapsed and s.kind in ("subProcess", "transaction", "adHocSubProcess", "callActivity"):
        marks.append("collapsed")
    line = {"fill": "none", "stroke": stroke, "stroke-width": 1.3}
    x0 = b.cx - len(marks) * 8
    for i, mark in enumerate(marks):
        f = sub(
            g, "g", {"class": f"marker marker-{mark}", "transform": f"translate({num(x0 + i * 16 + 1)} {num(b.y + b.h - 16)})"}
        )
        if mark == "loop":
            sub(f, "path", {"d": "M4,12 A6,6 0 1 1 10,12 M10,12 L10,8 M10,12 L14,12", **line})
        elif mark == "parallel_mi":
            sub(f, "path", {"d": "M3,2 L3,14 M7,2 L7,14 M11,2 L11,14", **line, "stroke-width": 2})
        elif mark == "sequential_mi":
            sub(f, "path", {"d": "M1,3 L13,3 M1,8 L13,8 M1,13 L13,13", **line, "stroke-width": 2})
        elif mark == "adhoc":
            sub(f, "path", {"d": "M1,9 C4,4 7,4 7,8 C7,12 10,12 13,7", **line, "stroke-width": 1.8})
        elif mark == "compensation":
            sub(f, "path", {"d": "M1,8 L7,3 L7,13 Z M7,8 L13,3 L13,13 Z", **line})
        else:
            sub(f, "rect", {"x": 0, "y": 1, "width": 14, "height": 14, **line})
            sub(f, "path", {"d": "M7,4 L7,12 M3,8 L11,8", **line})


def _data_object(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    fold = min(b.w, b.h) * 0.3
    stroke = s.stroke or STROKE
    points = f"{num(b.x)},{num(b.y)} {num(b.x + b.w - fold)},{num(b.y)} {num(b.x + b.w)},{num(b.y + fold)} {num(b.x + b.w)},{num(b.y + b.h)} {num(b.x)},{num(b.y + b.h)}"
    sub(g, "polygon", {"class": "outline", "points": points, "fill": colour or "#ffffff", "stroke": stroke, "stroke-width": 1.5})
    sub(
        g,
        "path",
        {
            "d": f"M{num(b.x + b.w - fold)},{num(b.y)} L{num(b.x + b.w - fold)},{num(b.y + fold)} L{num(b.x + b.w)},{num(b.y + fold)}",
            "fill": "none",
            "stroke": stroke,
        },
    )
    if "input" in s.flags or "output" in s.flags:
        sub(
            g,
            "path",
            {
                "d": f"M{num(b.x + 3)},{num(b.y + 6)} L{num(b.x + 9)},{num(b.y + 6)} L{num(b.x + 9)},{num(b.y + 3)} "
                f"L{num(b.x + 14)},{num(b.y + 8)} L{num(b.x + 9)},{num(b.y + 13)} L{num(b.x + 9)},{num(b.y + 10)} L{num(b.x + 3)},{num(b.y + 10)} Z",
                "fill": stroke if "output" in s.flags else "none",
                "stroke": stroke,
            },
        )
    if "collection" in s.flags:
        x = b.cx - 6
        sub(
            g,
            "path",
            {
                "d": " ".join(f"M{num(x + dx)},{num(b.y + b.h - 12)} L{num(x + dx)},{num(b.y + b.h - 3)}" for dx in (1, 6, 11)),
                "stroke": stroke,
                "stroke-width": 2,
            },
        )


def _data_store(g: etree._Element, s: DiShape, colour: str | None) -> None:
    b = s.bounds
    stroke = s.stroke or STROKE
    e = min(b.h * 0.2, 10.0)  # depth of the top ellipse
    x0, x1, y0, y1, k = b.x, b.x + b.w, b.y, b.y + b.h, 0.55 * b.w / 2
    cx = b.cx
    outline = (
        f"M{num(x0)},{num(y0 + e / 2)} C{num(x0)},{num(y0)} {num(cx - k)},{num(y0)} {num(cx)},{num(y0)} "
        f"C{num(cx + k)},{num(y0)} {num(x1)},{num(y0)} {num(x1)},{num(y0 + e / 2)} L{num(x1)},{num(y1 - e / 2)} "
        f"C{num(x1)},{num(y1)} {num(cx + k)},{num(y1)} {num(cx)},{num(y1)} C{num(cx - k)},{num(y1)} {num(x0)},{num(y1)} {num(x0)},{num(y1 - e / 2)} Z"
    )
    sub(g, "path", {"class": "outline", "d": outline, "fill": colour or "#ffffff", "stroke": stroke, "stroke-width": 1.5})
    for dy in (e / 2, e, 1.5 * e):
        sub(
            g,
            "path",
            {
                "d": f"M{num(x0)},{num(y0 + dy)} C{num(x0)},{num(y0 + dy + e / 2)} {num(x1)},{num(y0 + dy + e / 2)} {num(x1)},{num(y0 + dy)}",
                "fill": "none",
                "stroke": stroke,
            },
        )
