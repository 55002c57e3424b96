"""SVG building blocks for the drawings: elements with numeric or constant attributes, and names
written as text nodes only (wrapped into a box), never as markup or attributes."""

from __future__ import annotations

from lxml import etree

from engine.render.di_model import Box, clean

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "Arial, Helvetica, sans-serif"
LINE_H = 1.2


def svg_root(width: float, height: float, view: tuple[float, float, float, float]) -> etree._Element:
    """An <svg> element of `width` × `height` px showing `view` (x, y, w, h) at one unit per px."""
    root = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    root.set("version", "1.1")
    root.set("width", num(width))
    root.set("height", num(height))
    root.set("viewBox", " ".join(num(v) for v in view))
    root.set("font-family", FONT)
    return root


def num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def sub(parent: etree._Element, tag: str, attrs: dict[str, object] | None = None, text: str | None = None) -> etree._Element:
    """A child element; numbers are formatted, and `text` becomes a text node (escaped by lxml)."""
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for key, value in (attrs or {}).items():
        if value is None:
            continue
        element.set(key, num(value) if isinstance(value, float | int) and not isinstance(value, bool) else str(value))
    if text is not None:
        element.text = clean(text)
    return element


# Arial's advance widths as shares of the font size, by kind of glyph (close enough to wrap by)
_NARROW, _WIDE = set("fijlrtI.,;:'|!()[] "), set("mwMW@%")


def text_width(text: str, size: float) -> float:
    """The estimated width (px) of `text` in Arial at font size `size`."""
    width = 0.0
    for ch in text:
        if ch in _NARROW:
            width += 0.28
        elif ch in _WIDE:
            width += 0.85
        elif ch.isupper() or ch.isdigit():
            width += 0.64
        else:
            width += 0.52
    return width * size


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines that fit `width` px at font size `size` (estimated widths);
    a word wider than a line is cut only when it is over a third wider still."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            while text_width(word, size) > width * 1.35 and len(word) > 1:
                if line:
                    lines.append(line)
                    line = ""
                cut = max(1, int(len(word) * width / text_width(word, size)))
                lines.append(word[:cut])
                word = word[cut:]
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return [line for line in lines if line.strip()]


def text_block(
    parent: etree._Element,
    text: str,
    box: Box,
    *,
    size: float = 11,
    align: str = "middle",
    valign: str = "middle",
    max_lines: int | None = None,
    css: str = "label",
    fill: str | None = None,
) -> etree._Element | None:
    """`text` wrapped into `box` as one <text> with a <tspan> per line; lines beyond `max_lines`
    (default: as many as fit, at least one) end in an ellipsis, and the whole text is then the
    <title> (tooltip) of `parent`. None for empty text."""
    lines = wrap(clean(text), max(box.w - 4, size), size)
    if not lines:
        return None
    fit = max(1, int(box.h // (size * LINE_H))) if max_lines is None else max_lines
    if len(lines) > fit:
        lines = lines[:fit]
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - 1)] + "…"
        if parent.find(f"{{{SVG_NS}}}title") is None:  # the whole name as the shape's tooltip, a text node
            sub(parent, "title", text=text)  # last: a shape's first child is its outline
    height = len(lines) * size * LINE_H
    top = {"top": box.y + 2, "bottom": box.y + box.h - height - 2}.get(valign, box.cy - height / 2)
    x = {"start": box.x + 3, "end": box.x + box.w - 3}.get(align, box.cx)
    node = sub(parent, "text", {"class": css, "x": x, "font-size": size, "text-anchor": align, "fill": fill})
    for i, line in enumerate(lines):
        sub(node, "tspan", {"x": x, "y": top + size * (i + 1) * LINE_H - size * (LINE_H - 1) / 2 - 1}, line)
    return node


def rotated_block(parent: etree._Element, text: str, box: Box, *, size: float = 12) -> None:
    """`text` centred in `box` and turned a quarter left (the name band of a horizontal pool or lane)."""
    group = sub(parent, "g", {"transform": f"rotate(-90 {num(box.cx)} {num(box.cy)})"})
    turned = Box(box.cx - box.h / 2, box.cy - box.w / 2, box.h, box.w)
    text_block(group, text, turned, size=size, css="lane-label")
