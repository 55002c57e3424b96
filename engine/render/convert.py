"""An SVG drawing of ours as PNG or PDF (cairosvg, with external files and entities off)."""

from __future__ import annotations

import re

import cairosvg

from engine.errors import InvalidDataError

FORMATS = ("svg", "png", "pdf")
MAX_PNG_SIDE = 6000  # px; a larger drawing's PNG is scaled down to this (36 MP took ~9 s to encode)


def svg_to(svg: bytes, fmt: str) -> bytes:
    """`svg` (one of our drawings) as `fmt` ("svg", "png" at 1 px per unit, or "pdf").
    cairosvg's `unsafe=False` keeps it from reading files, URLs or entities, though our SVG names
    none. Raises InvalidDataError for another format."""
    if fmt == "svg":
        return svg
    if fmt == "png":
        side = max(_size(svg))
        scale = min(1.0, MAX_PNG_SIDE / side) if side > 0 else 1.0
        return cairosvg.svg2png(bytestring=svg, unsafe=False, scale=scale)  # type: ignore[no-any-return]
    if fmt == "pdf":
        return cairosvg.svg2pdf(bytestring=svg, unsafe=False)  # type: ignore[no-any-return]
    raise InvalidDataError(f"unknown drawing format {fmt!r}; use one of {', '.join(FORMATS)}")


def _size(svg: bytes) -> tuple[float, float]:
    """The width and height (px) our SVG's root declares (svg_text.svg_root writes both first)."""
    head = svg[:600].decode("utf-8", "replace")
    found = [re.search(rf'\b{name}="([0-9.]+)"', head) for name in ("width", "height")]
    return tuple(float(m.group(1)) if m else 0.0 for m in found)  # type: ignore[return-value]
