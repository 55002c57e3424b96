"""What the metrics page shows, from the engine's numbers: charts, the handoff matrix in lane order, targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from api.web import charts
from engine.services.results import LeadTimeHistogram
from engine.services.results import HandoffCell, ProcessMetrics, TargetProgress

SERIES = (("Aloitettu", "started"), ("Valmistunut", "completed"), ("Peruttu", "cancelled"))


@dataclass(frozen=True)
class MetricsView:
    measured: ProcessMetrics
    lead_chart: Markup
    throughput_chart: Markup
    target_chart: Markup
    lanes: tuple[str, ...]  # the handoff matrix's rows and columns, in the process's lane order
    matrix: dict[tuple[str, str], HandoffCell]


def build(measured: ProcessMetrics, histogram: LeadTimeHistogram, actors: Sequence[str]) -> MetricsView:
    cells = {(h.from_lane, h.to_lane): h for h in measured.handoffs}
    return MetricsView(
        measured=measured,
        lead_chart=Markup(lead_time_chart(histogram)),
        throughput_chart=Markup(throughput_chart(measured)),
        target_chart=Markup(target_chart(measured.targets)),
        lanes=matrix_lanes(cells, actors),
        matrix=cells,
    )


def matrix_lanes(cells: dict[tuple[str, str], HandoffCell], actors: Sequence[str]) -> tuple[str, ...]:
    """The lanes that hand off or receive work: the process's own order first (customer on top),
    then lanes only older versions had, by name."""
    used = {lane for pair in cells for lane in pair}
    return tuple([a for a in actors if a in used] + sorted(used - set(actors)))


def lead_time_chart(h: LeadTimeHistogram) -> str:
    size, unit = axis_unit(h.bin_seconds)
    edges = [_number(i * h.bin_seconds / size) for i in range(len(h.counts) + 1)]
    desc = "; ".join(f"{edges[i]}–{edges[i + 1]} {unit}: {n} tapausta" for i, n in enumerate(h.counts) if n)
    return charts.histogram("Läpimenoajan jakauma (valmistuneet tapaukset)", edges, h.counts, unit=unit,
                            desc=desc or "Ei valmistuneita tapauksia.", empty="Ei valmistuneita tapauksia.")


def throughput_chart(m: ProcessMetrics) -> str:
    labels = [_month(t.month) for t in m.throughput]
    series = [(name, [getattr(t, field) for t in m.throughput]) for name, field in SERIES]
    desc = "; ".join(f"{_month(t.month)}: aloitettu {t.started}, valmistunut {t.completed}, peruttu {t.cancelled}" for t in m.throughput)
    return charts.bar_chart("Tapaukset kuukausittain", labels, series, desc=desc or "Ei tapauksia.", empty="Ei tapauksia.")


def target_chart(targets: Sequence[TargetProgress]) -> str:
    rows = [(t.name, t.share_of_target, _projected_share(t)) for t in targets if t.share_of_target is not None]
    desc = "; ".join(f"{name}: {share:.0%} tavoitteesta" + (f", ennuste {p:.0%}" if p is not None else "") for name, share, p in rows)
    return charts.progress_chart("Vuositavoitteiden toteuma", rows, desc=desc or "Ei määrällisiä tavoitteita.",
                                 empty="Ei määrällisiä tavoitteita.")


def _projected_share(t: TargetProgress) -> float | None:
    return t.projection / t.target if t.projection is not None and t.target else None


def axis_unit(bin_seconds: int) -> tuple[int, str]:
    """The largest unit a bin width is a whole number of: one unit for the whole axis."""
    for size, name in ((86400, "pv"), (3600, "h"), (60, "min")):
        if bin_seconds % size == 0:
            return size, name
    return 1, "s"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def _month(month: str) -> str:
    year, _, number = month.partition("-")
    return f"{int(number)}/{year}" if number.isdigit() else month
