"""Small server-side charts: SVG strings from numbers, with a <title>, a <desc> and text labels."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape

from engine.display import percent

WIDTH = 400  # viewBox units; a page shows a chart at about 1:1 on a laptop and 0.85:1 on a phone
FONT = 15
COLOURS = ("#0b5cad", "#1e6b35", "#b3261e", "#8a5a00")
PALE = "#9fc3e9"
_ids = itertools.count(1)


def _svg(title: str, desc: str, width: int, height: int, body: list[str]) -> str:
    n = next(_ids)  # ids only have to be unique within one page
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d" font-family="system-ui, sans-serif" font-size="{FONT}">'
        f'<title id="chart-{n}-t">{escape(title)}</title><desc id="chart-{n}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, label: str, *, anchor: str = "middle", size: int = FONT, fill: str = "#1d2733", weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{escape(label)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    desc: str = "",
    empty: str = "Ei tietoja.",
) -> str:
    """Vertical bars, one group per label and one bar per series, each bar's value written on it.
    Labels thin out when there are many groups, so they never overlap."""
    if not labels or not any(any(values) for _, values in series):
        return _svg(title, desc or empty, WIDTH, 60, [_text(WIDTH / 2, 35, empty, fill="#5b6875")])
    legend = len(series) > 1
    top, bottom, left, right = (44 if legend else 24), 36, 8, 8
    plot_h = 180
    height = top + plot_h + bottom
    peak = max(max(values) for _, values in series) or 1
    group_w = (WIDTH - left - right) / len(labels)
    bar_w = min(44.0, group_w * 0.8 / len(series))
    label_w = max(len(label) for label in labels) * FONT * 0.6 + 10  # a label's width in a proportional font, roughly
    every = max(1, -(-int(len(labels) * label_w) // int(WIDTH - left - right)))
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" stroke="#5b6875"/>']
    if legend:
        body += _legend([name for name, _ in series], left)
    for i, label in enumerate(labels):
        x0 = left + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (name, values) in enumerate(series):
            value = values[i]
            h = plot_h * value / peak
            x = x0 + j * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(f"{label}: {name} {_number(value)}")}</title></rect>'
            )
            if value:
                body.append(_text(x + (bar_w - 2) / 2, top + plot_h - h - 4, _number(value), size=FONT - 1))
        if i % every == 0:
            body.append(_text(left + (i + 0.5) * group_w, top + plot_h + 20, label))
    return _svg(title, desc, WIDTH, height, body)


def histogram(
    title: str, edges: Sequence[str], counts: Sequence[int], *, unit: str, desc: str = "", empty: str = "Ei tietoja."
) -> str:
    """Touching bars of counts between bin edges; the edges are written under the axis (thinned
    when crowded) and `unit` after the last one, each bar's count on it."""
    if not any(counts):
        return _svg(title, desc or empty, WIDTH, 60, [_text(WIDTH / 2, 35, empty, fill="#5b6875")])
    top, left, right, plot_h = 24, 12, 30, 170
    bin_w = (WIDTH - left - right) / len(counts)
    peak = max(counts)
    every = max(1, -(-int(len(edges) * (max(map(len, edges)) * FONT * 0.6 + 8)) // int(WIDTH - left - right)))
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" stroke="#5b6875"/>']
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x = left + i * bin_w
        tip = f"{edges[i]}–{edges[i + 1]} {unit}: {n}"
        body.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bin_w - 2:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(tip)}</title></rect>'
        )
        if n:
            body.append(_text(x + bin_w / 2, top + plot_h - h - 5, str(n), size=FONT - 1))
    last = (len(edges) - 1) // every * every  # the last edge written carries the unit
    for i, edge in enumerate(edges):
        if i % every == 0:
            x = left + i * bin_w
            body.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 5}" stroke="#5b6875"/>')
            body.append(_text(x, top + plot_h + 21, f"{edge} {unit}" if i == last else edge))
    return _svg(title, desc, WIDTH, top + plot_h + 32, body)


def _legend(names: Sequence[str], left: float, colours: Sequence[str] = COLOURS) -> list[str]:
    out, x = [], left
    for j, name in enumerate(names):
        out.append(f'<rect x="{x:.1f}" y="8" width="14" height="14" fill="{colours[j % len(colours)]}"/>')
        out.append(_text(x + 19, 20, name, anchor="start"))
        x += 34 + len(name) * FONT * 0.6
    return out


def progress_chart(
    title: str,
    rows: Sequence[tuple[str, float, float | None]],
    *,
    desc: str = "",
    cap: float = 2.0,
    empty: str = "Ei tavoitteita.",
    words: tuple[str, str, str] = ("saavutettu", "ennuste", "tavoite (100 %)"),
    locale: str = "fi_FI",
) -> str:
    """One horizontal bar per (label, share reached, projected share): the share of the target reached
    as a solid bar, the projection to the period's end as a pale bar behind it, the target as a line.
    Shares past `cap` (e.g. 200 %) are drawn to the cap and marked with an arrow. `words` name the
    reached share, the projection and the target in the reader's language; `locale` writes the
    percentages (Babel)."""
    if not rows:
        return _svg(title, desc or empty, WIDTH, 60, [_text(WIDTH / 2, 35, empty, fill="#5b6875")])
    reached, projected, target = words
    left, right, row_h, bar_h = 8, 8, 76, 18
    track = WIDTH - left - right
    target_x = left + track / cap
    body = _legend([reached, projected], left, (COLOURS[0], PALE))
    legend_x = left + 2 * 34 + len(reached + projected) * FONT * 0.6
    body += [_target_mark(legend_x + 7, 6, 18), _text(legend_x + 16, 20, target, anchor="start")]
    y = 36
    for label, share, projection in rows:
        # the name on its own line (cut to the width, whole in the tooltip), the figures under the bar
        body.append(
            f"<g><title>{escape(label)}</title>{_text(left, y + 14, _fit(label, track), anchor='start', weight='600')}</g>"
        )
        bar_y = y + 22
        body.append(f'<rect x="{left}" y="{bar_y}" width="{track}" height="{bar_h}" fill="#eef1f4"/>')
        if projection is not None:
            body.append(
                _bar(left, bar_y, track, bar_h, projection, cap, PALE, f"{label}: {projected} {percent(projection, locale)}")
            )
        body.append(_bar(left, bar_y, track, bar_h, share, cap, COLOURS[0], f"{label}: {reached} {percent(share, locale)}"))
        body.append(_target_mark(target_x, bar_y - 4, bar_h + 8))
        figures = f"{reached} {percent(share, locale)}" + (
            f" · {projected} {percent(projection, locale)}" if projection is not None else ""
        )
        body.append(_text(left, bar_y + bar_h + 18, figures, anchor="start", fill="#5b6875"))
        y += row_h
    return _svg(title, desc, WIDTH, y, body)


def _target_mark(x: float, y: float, h: float) -> str:
    return f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x:.1f}" y2="{y + h:.1f}" stroke="#1d2733" stroke-width="2" stroke-dasharray="3 2"/>'


def _fit(label: str, width: float) -> str:
    room = int(width / (FONT * 0.6))  # characters of a bold proportional font that fit, roughly
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def _bar(x: float, y: float, track: float, h: float, share: float, cap: float, fill: str, tip: str) -> str:
    w = track * min(max(share, 0.0), cap) / cap
    arrow = ""
    if share > cap:  # past the drawn scale: say so rather than pretend the bar ends there
        tip_x = x + w
        arrow = f'<path d="M{tip_x - 8:.1f},{y} L{tip_x:.1f},{y + h / 2} L{tip_x - 8:.1f},{y + h} Z" fill="#1d2733"/>'
    return f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" fill="{fill}"><title>{escape(tip)}</title></rect>{arrow}'
