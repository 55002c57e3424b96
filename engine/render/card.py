"""The TEM process card of a process as Markdown and HTML, with the measured values filled in.
The six parts of the process description model (seed 003, ch. 5): purpose and goals,
responsibilities, diagram, phases, metrics and targets, continuous improvement."""

from __future__ import annotations

import html
from typing import cast
from dataclasses import dataclass

from engine import display
from engine.metrics.types import ProcessMetrics, TargetProgress
from engine.process_card import ProcessCard
from engine.render.model import Swimlanes

MISSING = "*(ei kuvattu prosessikortissa — not described in the process card)*"


@dataclass(frozen=True)
class CardPage:
    key: str
    markdown: str
    html: str


def build_card(d: Swimlanes, card: ProcessCard | None, metrics: ProcessMetrics | None, *, svg_name: str, version: int,
               as_laid_out: bool = False) -> CardPage:
    """The card's Markdown and HTML; `as_laid_out` when the drawing `svg_name` is the diagram as
    its author laid it out (BPMN DI) rather than the TEM swimlanes. Pure: the caller writes the files."""
    blocks = _blocks(d, card, metrics, svg_name=svg_name, version=version, as_laid_out=as_laid_out)
    return CardPage(d.key, "\n".join(_markdown(b) for b in blocks), _html(d.name, blocks))


# A block is (kind, payload): ("h1"|"h2"|"h3"|"p", text), ("ul", [items]), ("table", (header, rows)), ("img", (src, alt))
Block = tuple[str, object]


def _blocks(d: Swimlanes, card: ProcessCard | None, m: ProcessMetrics | None, *, svg_name: str, version: int,
            as_laid_out: bool = False) -> list[Block]:
    out: list[Block] = [("h1", f"{card.name if card else d.name} ({d.key} v{version})")]
    if card is not None:
        out.append(("p", f"Prosessityyppi: {card.type}. Omistaja: {card.owner}."))
    out += [("h2", "1. Tarkoitus ja tavoitteet")]
    if card is None:
        out.append(("p", MISSING))
    else:
        out += [("p", card.purpose), ("ul", list(card.goals)), ("p", f"Rajaus: {card.scope or '-'}"),
                ("p", f"Alkaa: {card.start}"), ("p", f"Päättyy: {card.end}")]
    out += [("h2", "2. Vastuut")] + _responsibilities(d, card)
    out += [("h2", "3. Prosessikaavio"), ("img", (svg_name, f"{d.name}: uimaratakaavio")),
            ("p", ("Kaavio sellaisena kuin mallintaja sen piirsi. " if as_laid_out else
                   "Asiakas ylimpänä, yksi kaista organisaatiota kohden, vaiheet vasemmalta oikealle, työkalut alimmalla rivillä. ")
                  + "Tehtävissä mitattu mediaanikesto; kaistojen välisissä siirroissa kapulanvaihtojen määrä.")]
    out += [("h2", "4. Vaiheet ja sisältö")] + _phases(card, m, {n.id: n.name or n.id for n in d.nodes})
    out += [("h2", "5. Mittarit ja tavoitteet")] + _metrics(card, m)
    out += [("h2", "6. Jatkuva parantaminen")]
    if card is None:
        out.append(("p", MISSING))
    else:
        imp = card.improvement
        out.append(("ul", [f"Vastuu: {imp.responsible}", f"Miten: {imp.how}", f"Kuvauksen katselmointi: {imp.review}"]))
    return out


def _responsibilities(d: Swimlanes, card: ProcessCard | None) -> list[Block]:
    out: list[Block] = []
    if card is not None:
        out += [("p", f"Prosessin omistaja: {card.owner}"), ("ul", list(card.owner_tasks)),
                ("p", f"Osallistuvat organisaatiot: {', '.join(card.participants) or '-'}"), ("ul", list(card.participant_tasks))]
    out.append(("h3", "Organisaatioiden tehtävät kaaviossa"))
    rows = []
    for lane in d.lanes:
        tasks = [n.name or n.id for n in d.nodes if n.lane == lane and (n.type.endswith("Task") or n.type in ("subProcess", "callActivity"))]
        rows.append([lane, ", ".join(tasks) or "-"])
    out.append(("table", (["kaista", "tehtävät"], rows)))
    return out


def _phases(card: ProcessCard | None, m: ProcessMetrics | None, names: dict[str, str]) -> list[Block]:
    if card is None or not card.phases:
        return [("p", MISSING)]
    medians = {s.element_id: s.duration.median for s in (m.stages if m else ()) if s.duration.median is not None}
    out: list[Block] = []
    for phase in card.phases:
        out += [("h3", phase.name), ("p", phase.content or "-")]
        facts = [f"Kaistat: {', '.join(phase.lanes) or '-'}", f"Työkalut: {', '.join(phase.tools) or '-'}"]
        measured = [f"{names.get(e, e)} {_duration(medians[e])}" for e in phase.elements if e in medians]
        if measured:
            facts.append(f"Mitattu mediaanikesto: {', '.join(measured)}")
        out.append(("ul", facts + [f"Kriittinen menestystekijä: {f}" for f in phase.success_factors]))
    return out


def _metrics(card: ProcessCard | None, m: ProcessMetrics | None) -> list[Block]:
    header = ["mittari", "tavoite", "tiedon lähde", "missä käsitellään", "mitattu arvo"]
    measured = {t.id: t for t in (m.targets if m else ())}
    rows = [[x.name, _target(x.target, x.comparison, x.unit, x.period), x.data_source, x.processed_in, _value(measured.get(x.id), x.unit)]
            for x in (card.metrics if card else ())]
    if m is not None:
        rows += [
            ["Läpimenoaika (mediaani)", "-", "tapahtumaloki", "-", _duration(m.lead_time.median) + f" (n={m.lead_time.count})"],
            ["Kapulanvaihdot / tapaus (ka.)", "-", "tapahtumaloki", "-", "-" if m.handoffs_per_case.mean is None else display.number(m.handoffs_per_case.mean, digits=1)],
            ["Tapaukset", "-", "tapahtumaloki", "-", f"{m.cases.started} aloitettu, {m.cases.completed} valmis, {m.cases.in_progress} kesken"],
        ]
    note: list[Block] = [("p", f"Mitattu {display.moment(m.measured_at)} ({display.time_zone().key}); kuluvan jakson arvo ja ennuste jakson loppuun.")] if m else []
    return [("table", (header, rows))] + note


def _target(target: float | None, comparison: str, unit: str, period: str) -> str:
    if target is None:
        return "-"
    per = {"year": "/ vuosi", "half_year": "/ puolivuosi", "quarter": "/ neljännes", "month": "/ kk", "case": "/ tapaus"}[period]
    return f"{comparison} {display.number(target, unit=unit or None)} {per}".replace("  ", " ")


def _value(t: TargetProgress | None, unit: str = "") -> str:
    if t is None or t.kind == "manual":
        return "raportoidaan käsin"
    if t.value is None:
        return "ei vielä tietoa"
    text = display.number(t.value, unit=unit or None)
    if t.share_of_target is not None:
        text += f" ({display.percent(t.share_of_target)} tavoitteesta"
        text += f", ennuste {display.number(t.projection, unit=unit or None)})" if t.projection is not None else ")"
    return text


def _duration(seconds: float | None) -> str:
    return display.duration(seconds)


def _markdown(block: Block) -> str:
    kind, payload = block
    if kind in ("h1", "h2", "h3"):
        return "#" * int(kind[1]) + f" {payload}\n"
    if kind == "p":
        return f"{payload}\n"
    if kind == "ul":
        items = cast(list[object], payload)
        return "".join(f"- {item}\n" for item in items) + ("" if items else "-\n")
    if kind == "img":
        src, alt = cast(tuple[str, str], payload)
        return f"![{alt}]({src})\n"
    header, rows = cast(tuple[list[str], list[list[object]]], payload)
    def cell(v: object) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _html(title: str, blocks: list[Block]) -> str:
    e = html.escape
    parts = [f"<!doctype html>\n<html lang=\"fi\"><head><meta charset=\"utf-8\"><title>{e(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left}img{max-width:100%}"
             # printed, the card fills A4 landscape: the drawing and table rows are not cut between pages
             "@page{size:A4 landscape;margin:12mm}@media print{body{max-width:none;margin:0;font-size:10pt}"
             "a.back{display:none}img,tr,h2,h3{break-inside:avoid}h2,h3{break-after:avoid}}</style></head><body>"]
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
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row) + "</tr>" for row in rows) + "</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
