"""An SVG drawing of ours as PNG or PDF (cairosvg, with external files and entities off)."""

from __future__ import annotations

import cairosvg

from engine.errors import InvalidDataError

FORMATS = ("svg", "png", "pdf")


def svg_to(svg: bytes, fmt: str) -> bytes:
    """`svg` (one of our drawings) as `fmt` ("svg", "png" at 1 px per unit, or "pdf").
    cairosvg's `unsafe=False` keeps it from reading files, URLs or entities, though our SVG names
    none. Raises InvalidDataError for another format."""
    if fmt == "svg":
        return svg
    if fmt == "png":
        return cairosvg.svg2png(bytestring=svg, unsafe=False)  # type: ignore[no-any-return]
    if fmt == "pdf":
        return cairosvg.svg2pdf(bytestring=svg, unsafe=False)  # type: ignore[no-any-return]
    raise InvalidDataError(f"unknown drawing format {fmt!r}; use one of {', '.join(FORMATS)}")
