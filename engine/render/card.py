"""The TEM process card of a process as Markdown and HTML, with the measured values filled in.
The six parts of the process description model (seed 003, ch. 5): purpose and goals,
responsibilities, diagram, phases, metrics and targets, continuous improvement."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from engine import display
from engine.metrics.types import ProcessMetrics, TargetProgress
from engine.process_card import ProcessCard
from engine.render.model import Swimlanes
from engine.render.words import language, words

MISSING = "*(ei kuvattu prosessikortissa)*"


@dataclass(frozen=True)
class CardPage:
    key: str
    markdown: str
    html: str


def build_card(
    d: Swimlanes,
    card: ProcessCard | None,
    metrics: ProcessMetrics | None,
    *,
    svg_name: str,
    version: int,
    as_laid_out: bool = False,
    locale: str = display.DEFAULT_LOCALE,
) -> CardPage:
    """The card's Markdown and HTML; `as_laid_out` when the drawing `svg_name` is the diagram as
    its author laid it out (BPMN DI) rather than the TEM swimlanes. The interface words in `locale`
    ("fi" default, "sv", "en"; engine/render/words.py), values written by engine/display.py in that
    language's locale; what the card's author wrote stays as written. Pure: the caller writes the files."""
    lang = language(locale)
    t = _Text(words(lang), display.formats(lang))
    blocks = _blocks(d, card, metrics, t, svg_name=svg_name, version=version, as_laid_out=as_laid_out)
    return CardPage(d.key, "\n".join(_markdown(b) for b in blocks), _html(d.name, blocks, lang))


@dataclass(frozen=True)
class _Text:
    """The card's translator (`_`) and the Babel locale its values are written in (`fmt`)."""

    _: Callable[..., str]
    fmt: str


# A block is (kind, payload): ("h1"|"h2"|"h3"|"p", text), ("ul", [items]), ("table", (header, rows)), ("img", (src, alt))
Block = tuple[str, object]


def _blocks(
    d: Swimlanes,
    card: ProcessCard | None,
    m: ProcessMetrics | None,
    t: _Text,
    *,
    svg_name: str,
    version: int,
    as_laid_out: bool = False,
) -> list[Block]:
    _ = t._
    missing = _(MISSING)
    out: list[Block] = [("h1", f"{card.name if card else d.name} ({d.key} v{version})")]
    if card is not None:
        out.append(("p", _("Prosessityyppi: %(type)s. Omistaja: %(owner)s.", type=card.type, owner=card.owner)))
    out += [("h2", _("1. Tarkoitus ja tavoitteet"))]
    if card is None:
        out.append(("p", missing))
    else:
        out += [
            ("p", card.purpose),
            ("ul", list(card.goals)),
            ("p", _("Rajaus: %(scope)s", scope=card.scope or "-")),
            ("p", _("Alkaa: %(start)s", start=card.start)),
            ("p", _("Päättyy: %(end)s", end=card.end)),
        ]
    out += [("h2", _("2. Vastuut"))] + _responsibilities(d, card, t)
    out += [
        ("h2", _("3. Prosessikaavio")),
        ("img", (svg_name, _("%(name)s: uimaratakaavio", name=d.name))),
        (
            "p",
            (
                _("Kaavio sellaisena kuin mallintaja sen piirsi.")
                if as_laid_out
                else _(
                    "Asiakas ylimpänä, yksi kaista organisaatiota kohden, vaiheet vasemmalta oikealle, työkalut alimmalla rivillä."
                )
            )
            + " "
            + _("Tehtävissä mitattu mediaanikesto; kaistojen välisissä siirroissa kapulanvaihtojen määrä."),
        ),
    ]
    out += [("h2", _("4. Vaiheet ja sisältö"))] + _phases(card, m, {n.id: n.name or n.id for n in d.nodes}, t)
    out += [("h2", _("5. Mittarit ja tavoitteet"))] + _metrics(card, m, t)
    out += [("h2", _("6. Jatkuva parantaminen"))]
    if card is None:
        out.append(("p", missing))
    else:
        imp = card.improvement
        out.append(
            (
                "ul",
                [
                    _("Vastuu: %(who)s", who=imp.responsible),
                    _("Miten: %(how)s", how=imp.how),
                    _("Kuvauksen katselmointi: %(review)s", review=imp.review),
                ],
            )
        )
    return out


def _responsibilities(d: Swimlanes, card: ProcessCard | None, t: _Text) -> list[Block]:
    _ = t._
    out: list[Block] = []
    if card is not None:
        out += [
            ("p", _("Prosessin omistaja: %(owner)s", owner=card.owner)),
            ("ul", list(card.owner_tasks)),
            ("p", _("Osallistuvat organisaatiot: %(names)s", names=", ".join(card.participants) or "-")),
            ("ul", list(card.participant_tasks)),
        ]
    out.append(("h3", _("Organisaatioiden tehtävät kaaviossa")))
    rows = []
    for lane in d.lanes:
        tasks = [
            n.name or n.id
            for n in d.nodes
            if n.lane == lane and (n.type.endswith("Task") or n.type in ("subProcess", "callActivity"))
        ]
        rows.append([lane, ", ".join(tasks) or "-"])
    out.append(("table", ([_("kaista"), _("tehtävät")], rows)))
    return out


def _phases(card: ProcessCard | None, m: ProcessMetrics | None, names: dict[str, str], t: _Text) -> list[Block]:
    _ = t._
    if card is None or not card.phases:
        return [("p", _(MISSING))]
    medians = {s.element_id: s.duration.median for s in (m.stages if m else ()) if s.duration.median is not None}
    out: list[Block] = []
    for phase in card.phases:
        out += [("h3", phase.name), ("p", phase.content or "-")]
        facts = [
            _("Kaistat: %(lanes)s", lanes=", ".join(phase.lanes) or "-"),
            _("Työkalut: %(tools)s", tools=", ".join(phase.tools) or "-"),
        ]
        measured = [f"{names.get(e, e)} {display.duration(medians[e], t.fmt)}" for e in phase.elements if e in medians]
        if measured:
            facts.append(_("Mitattu mediaanikesto: %(measured)s", measured=", ".join(measured)))
        out.append(("ul", facts + [_("Kriittinen menestystekijä: %(factor)s", factor=f) for f in phase.success_factors]))
    return out


def _metrics(card: ProcessCard | None, m: ProcessMetrics | None, t: _Text) -> list[Block]:
    _, fmt = t._, t.fmt
    header = [_("mittari"), _("tavoite"), _("tiedon lähde"), _("missä käsitellään"), _("mitattu arvo")]
    measured = {x.id: x for x in (m.targets if m else ())}
    rows = [
        [
            x.name,
            _target(x.target, x.comparison, x.unit, x.period, t),
            x.data_source,
            x.processed_in,
            _value(measured.get(x.id), x.unit, t),
        ]
        for x in (card.metrics if card else ())
    ]
    if m is not None:
        log = _("tapahtumaloki")
        rows += [
            [
                _("Läpimenoaika (mediaani)"),
                "-",
                log,
                "-",
                display.duration(m.lead_time.median, fmt) + f" (n={m.lead_time.count})",
            ],
            [
                _("Kapulanvaihdot / tapaus (ka.)"),
                "-",
                log,
                "-",
                "-" if m.handoffs_per_case.mean is None else display.number(m.handoffs_per_case.mean, fmt, digits=1),
            ],
            [
                _("Tapaukset"),
                "-",
                log,
                "-",
                _(
                    "%(started)s aloitettu, %(completed)s valmis, %(open)s kesken",
                    started=display.number(m.cases.started, fmt),
                    completed=display.number(m.cases.completed, fmt),
                    open=display.number(m.cases.in_progress, fmt),
                ),
            ],
        ]
    note: list[Block] = (
        [
            (
                "p",
                _(
                    "Mitattu %(when)s (%(zone)s); kuluvan jakson arvo ja ennuste jakson loppuun.",
                    when=display.moment(m.measured_at, fmt),
                    zone=display.time_zone().key,
                ),
            )
        ]
        if m
        else []
    )
    return [("table", (header, rows))] + note


PERIODS = {"year": "/ vuosi", "half_year": "/ puolivuosi", "quarter": "/ neljännes", "month": "/ kk", "case": "/ tapaus"}


def _target(target: float | None, comparison: str, unit: str, period: str, t: _Text) -> str:
    if target is None:
        return "-"
    return f"{comparison} {display.number(target, t.fmt, unit=unit or None)} {t._(PERIODS[period])}".replace("  ", " ")


def _value(p: TargetProgress | None, unit: str, t: _Text) -> str:
    _, fmt = t._, t.fmt
    if p is None or p.kind == "manual":
        return _("raportoidaan käsin")
    if p.value is None:
        return _("ei vielä tietoa")
    text = display.number(p.value, fmt, unit=unit or None)
    if p.share_of_target is None:
        return text
    share = display.percent(p.share_of_target, fmt)
    if p.projection is None:
        return _("%(value)s (%(share)s tavoitteesta)", value=text, share=share)
    return _(
        "%(value)s (%(share)s tavoitteesta, ennuste %(projection)s)",
        value=text,
        share=share,
        projection=display.number(p.projection, fmt, unit=unit or None),
    )


def _markdown(block: Block) -> str:
    """One block as Markdown. Names from the diagram and the card are text: `<`, `>` and `&` as
    HTML entities (Markdown passes raw HTML on), and `[`, `]` escaped in an image's alt text."""
    kind, payload = block
    if kind in ("h1", "h2", "h3"):
        return "#" * int(kind[1]) + f" {_md(payload)}\n"
    if kind == "p":
        return f"{_md(payload)}\n"
    if kind == "ul":
        items = cast(list[object], payload)
        return "".join(f"- {_md(item)}\n" for item in items) + ("" if items else "-\n")
    if kind == "img":
        src, alt = cast(tuple[str, str], payload)
        shown = _md(alt).replace("[", "\\[").replace("]", "\\]")
        target = src.replace(" ", "%20").replace(")", "%29")
        return f"![{shown}]({target})\n"
    header, rows = cast(tuple[list[str], list[list[object]]], payload)

    def cell(v: object) -> str:
        return _md(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md(value: object) -> str:
    return html.escape(str(value), quote=False).replace("\r", " ").replace("\n", " ")


def _html(title: str, blocks: list[Block], lang: str = display.DEFAULT_LOCALE) -> str:
    e = html.escape
    parts = [
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{e(title)}</title>',
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;overflow-wrap:break-word}"
        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}img{max-width:100%}"
        # a cell with a word no line holds (a 200-letter lane) breaks it anywhere instead of widening the table
        ".long{overflow-wrap:anywhere}"
        # on a phone a wide table scrolls by itself; the page never scrolls sideways
        "@media screen and (max-width:48em){table{display:block;overflow-x:auto}}"
        # printed, the card fills A4 landscape: the drawing and table rows are not cut between pages
        "@page{size:A4 landscape;margin:12mm}@media print{body{max-width:none;margin:0;font-size:10pt}"
        "a.back{display:none}img,tr,h2,h3{break-inside:avoid}h2,h3{break-after:avoid}}</style></head><body>",
    ]
    for kind, payload in blocks:
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{e(str(payload))}</{kind}>")
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{e(str(i))}</li>" for i in cast(list[object], payload)) + "</ul>")
        elif kind == "img":
            src, alt = cast(tuple[str, str], payload)
            parts.append(f'<p><img src="{e(src)}" alt="{e(alt)}"></p>')
        else:
            header, rows = cast(tuple[list[str], list[list[object]]], payload)
            parts.append(
                "<table><tr>"
                + "".join(f"<th>{e(h)}</th>" for h in header)
                + "</tr>"
                + "".join("<tr>" + "".join(_html_cell(v) for v in row) + "</tr>" for row in rows)
                + "</table>"
            )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _html_cell(value: object) -> str:
    text = html.escape(str(value))
    return f'<td class="long">{text}</td>' if display.has_long_word(value) else f"<td>{text}</td>"
