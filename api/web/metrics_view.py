"""What the metrics page shows, from the engine's numbers: charts, the handoff matrix in lane order, targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from api.web import charts
from api.web.i18n import N_, Words
from engine import display
from engine.services.results import HandoffCell, LeadTimeHistogram, ProcessMetrics, TargetProgress

SERIES = ((N_("Aloitettu"), "started"), (N_("Valmistunut"), "completed"), (N_("Peruttu"), "cancelled"))


@dataclass(frozen=True)
class MetricsView:
    measured: ProcessMetrics
    lead_chart: Markup
    throughput_chart: Markup
    target_chart: Markup
    lanes: tuple[str, ...]  # the handoff matrix's rows and columns, in the process's lane order
    matrix: dict[tuple[str, str], HandoffCell]


def build(measured: ProcessMetrics, histogram: LeadTimeHistogram, actors: Sequence[str], _: Words) -> MetricsView:
    """The page's view of the numbers, its charts' words in the reader's language `_`."""
    cells = {(h.from_lane, h.to_lane): h for h in measured.handoffs}
    return MetricsView(
        measured=measured,
        lead_chart=Markup(lead_time_chart(histogram, _)),
        throughput_chart=Markup(throughput_chart(measured, _)),
        target_chart=Markup(target_chart(measured.targets, _)),
        lanes=matrix_lanes(cells, actors),
        matrix=cells,
    )


def matrix_lanes(cells: dict[tuple[str, str], HandoffCell], actors: Sequence[str]) -> tuple[str, ...]:
    """The lanes that hand off or receive work: the process's own order first (customer on top),
    then lanes only older versions had, by name."""
    used = {lane for pair in cells for lane in pair}
    return tuple([a for a in actors if a in used] + sorted(used - set(actors)))


def lead_time_chart(h: LeadTimeHistogram, _: Words) -> str:
    size, unit = axis_unit(h.bin_seconds, _)
    edges = [_number(i * h.bin_seconds / size, _.language) for i in range(len(h.counts) + 1)]
    desc = "; ".join(
        f"{edges[i]}–{edges[i + 1]} {unit}: " + _.plural("%(num)d tapaus", "%(num)d tapausta", n)
        for i, n in enumerate(h.counts)
        if n
    )
    none = _("Ei valmistuneita tapauksia.")
    return charts.histogram(
        _("Läpimenoajan jakauma (valmistuneet tapaukset)"), edges, h.counts, unit=unit, desc=desc or none, empty=none
    )


def throughput_chart(m: ProcessMetrics, _: Words) -> str:
    labels = [_month(t.month) for t in m.throughput]
    series = [(_(name), [getattr(t, field) for t in m.throughput]) for name, field in SERIES]
    desc = "; ".join(
        _(
            "%(month)s: aloitettu %(started)s, valmistunut %(completed)s, peruttu %(cancelled)s",
            month=_month(t.month),
            started=t.started,
            completed=t.completed,
            cancelled=t.cancelled,
        )
        for t in m.throughput
    )
    none = _("Ei tapauksia.")
    return charts.bar_chart(_("Tapaukset kuukausittain"), labels, series, desc=desc or none, empty=none)


def target_chart(targets: Sequence[TargetProgress], _: Words) -> str:
    rows = [(t.name, t.share_of_target, _projected_share(t)) for t in targets if t.share_of_target is not None]
    locale = display.formats(_.language)
    desc = "; ".join(
        _("%(name)s: %(share)s tavoitteesta", name=name, share=display.percent(share, locale))
        + (_(", ennuste %(share)s", share=display.percent(p, locale)) if p is not None else "")
        for name, share, p in rows
    )
    none = _("Ei määrällisiä tavoitteita.")
    return charts.progress_chart(
        _("Vuositavoitteiden toteuma"),
        rows,
        desc=desc or none,
        empty=none,
        words=(_("saavutettu"), _("ennuste"), _("tavoite (100 %)")),
        locale=locale,
    )


def _projected_share(t: TargetProgress) -> float | None:
    return t.projection / t.target if t.projection is not None and t.target else None


def axis_unit(bin_seconds: int, _: Words) -> tuple[int, str]:
    """The largest unit a bin width is a whole number of: one unit for the whole axis, abbreviated
    in the reader's language."""
    for size, name in ((86400, N_("pv")), (3600, N_("h")), (60, N_("min"))):
        if bin_seconds % size == 0:
            return size, _(name)
    return 1, _("s")


def _number(value: float, language: str) -> str:
    return display.number(value, display.formats(language), digits=1)


def _month(month: str) -> str:
    year, _, number = month.partition("-")
    return f"{int(number)}/{year}" if number.isdigit() else month
