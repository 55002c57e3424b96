"""`kapula metrics` and `kapula export`: process metrics as a readable table, and the event log as a file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from api.cli_common import (
    CLI_LOCALE,
    VERSION,
    Context,
    FiniteFloat,
    force_option,
    json_option,
    new_text_file,
    pass_ctx,
    put_file,
    refuse_existing,
    run,
)
from engine import display
from engine.services.results import ProcessMetrics, StageStats, Stats, TargetProgress


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"not a date: {text!r}; use YYYY-MM-DD or an ISO timestamp") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=display.time_zone())


@click.command("metrics")
@click.argument("key")
@click.option("--version", type=VERSION, help="Only cases of this version.")
@click.option("--lane", help="Only this lane's stages and handoffs.")
@click.option("--since", help="Only cases started on or after this date (in KAPULA_TIME_ZONE, default Europe/Helsinki).")
@click.option("--until", help="Only cases started before this date (in KAPULA_TIME_ZONE).")
@click.option("--segment", help="Only cases whose data field `segment` is this customer segment.")
@click.option(
    "--stuck-after",
    type=FiniteFloat(min=0),
    help="Call a case stuck after its task waited this many hours (default: the stage's 90th percentile).",
)
@json_option
@pass_ctx
def metrics_command(
    ctx: Context,
    key: str,
    version: int | None,
    lane: str | None,
    since: str | None,
    until: str | None,
    segment: str | None,
    stuck_after: float | None,
    as_json: bool,
) -> None:
    """Metrics of process KEY from the event log: cases, lead time, stages, handoffs, targets."""
    after = timedelta(hours=stuck_after) if stuck_after is not None else None
    run(
        as_json,
        lambda: ctx.kapula.metrics(
            key,
            version=version,
            lane=lane,
            since=_when(since),
            until=_when(until),
            segment=segment,
            stuck_after=after,
            caller=ctx.caller(),
        ),
        _show,
    )


@click.command("export")
@click.argument("key")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xes", "ocel", "csv"]),
    default="xes",
    show_default=True,
    help="XES (IEEE 1849), OCEL 2.0 JSON or CSV.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="File to write (an existing one only with --force).",
)
@force_option
@click.option("--real-names", is_flag=True, help="Write user names as they are (default: keyed-hash pseudonyms).")
@click.option(
    "--pseudonym-key",
    envvar="KAPULA_PSEUDONYM_KEY",
    help="Key of the pseudonyms, so exports can be joined (default: a new random key each time).",
)
@json_option
@pass_ctx
def export_command(
    ctx: Context,
    key: str,
    fmt: str,
    output: Path,
    force: bool,
    real_names: bool,
    pseudonym_key: str | None,
    as_json: bool,
) -> None:
    """Export process KEY's event log to a file for process-mining tools (PM4Py, ProM, Disco…).

    An existing FILE is refused unless --force; the file appears only when the export is complete."""
    shown = False

    def progress(count: int) -> None:
        nonlocal shown
        if not as_json:
            click.echo(f"\r{count} events", nl=False, err=True)
            shown = True

    def action() -> dict[str, Any]:
        key_bytes = pseudonym_key.encode() if pseudonym_key else None
        try:
            with new_text_file(output, force, param_hint="'-o' / '--output'") as out:
                count = ctx.kapula.export_log(
                    key, fmt, out, real_names=real_names, pseudonym_key=key_bytes, progress=progress, caller=ctx.caller()
                )
        finally:
            if shown:  # the progress line ends, also when the export fails
                click.echo("", err=True)
        return {"events": count, "format": fmt, "file": str(output)}

    run(as_json, action, lambda r: click.echo(f"wrote {r['events']} events of {key} as {r['format']} to {r['file']}"))


@click.command("docs")
@click.argument("keys", nargs=-1)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/processes"),
    show_default=True,
    help="Folder to write into (files already there only with --force).",
)
@force_option
@click.option(
    "--lang",
    "language",
    type=click.Choice(display.LANGUAGES),
    default=display.DEFAULT_LOCALE,
    show_default=True,
    help="Language of the cards' and drawings' headings, overlays and values.",
)
@json_option
@pass_ctx
def docs_command(ctx: Context, keys: tuple[str, ...], out: Path, force: bool, language: str, as_json: bool) -> None:
    """Write the process card (Markdown and HTML) and drawings of each KEY (default: every process):
    KEY.svg as the diagram lays it out (its BPMN DI; else the TEM swimlanes), KEY.tem.svg the TEM swimlanes.
    In Finnish unless --lang sv or en. If any of these files exists, nothing is written unless --force."""

    def action() -> list[dict[str, str]]:
        kapula = ctx.kapula
        chosen = list(keys) or [p.key for p in kapula.processes()]
        names = [f"{key}{suffix}" for key in chosen for suffix in (".svg", ".tem.svg", ".md", ".html")]
        refuse_existing([out / name for name in names], force, param_hint="'--out'")
        files: dict[str, bytes] = {}  # all made before any is written: an unknown KEY writes nothing
        for key in chosen:
            page = kapula.card_page(key, svg_name=f"{key}.svg", locale=language)
            files[f"{key}.svg"] = kapula.swimlane(key, "svg", locale=language)  # as laid out in the file, when it has DI
            files[f"{key}.tem.svg"] = kapula.swimlane(key, "svg", view="tem", locale=language)
            files[f"{key}.md"] = page.markdown.encode("utf-8")
            files[f"{key}.html"] = page.html.encode("utf-8")
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            put_file(out / name, content)
        written = []
        for key in chosen:
            written.append(
                {"key": key, "markdown": str(out / f"{key}.md"), "html": str(out / f"{key}.html"), "svg": str(out / f"{key}.svg")}
            )
        return written

    def show(rows: list[dict[str, str]]) -> None:
        for r in rows:
            click.echo(f"{r['key']}: {r['markdown']}, {r['html']}, {r['svg']}")
        if not rows:
            click.echo("no processes deployed")

    run(as_json, action, show)


def duration(seconds: float | None) -> str:
    """Seconds as the pages and the card write them, in English: "45 sec", "1 hr 30 min", "3 days"."""
    return display.duration(seconds, CLI_LOCALE)


def _stats(s: Stats, fmt: Callable[[float | None], str] = duration) -> str:
    if not s.count:
        return "-"
    return f"n={s.count} mean {fmt(s.mean)}  median {fmt(s.median)}  p90 {fmt(s.p90)}  max {fmt(s.max)}"


def _show(m: ProcessMetrics) -> None:
    c = m.cases
    click.echo(f"process {m.filter.key}, measured {display.stamp(m.measured_at)} ({display.time_zone().key})")
    click.echo(
        f"cases: {c.started} started, {c.completed} completed, {c.cancelled} cancelled, {c.in_progress} in progress, "
        f"{c.failed} failed ({c.incidents} failed unattended step(s) recorded)"
    )
    click.echo(f"lead time: {_stats(m.lead_time)}")
    if m.throughput:
        click.echo("\nmonth     started  completed  cancelled")
        for t in m.throughput:
            click.echo(f"{t.month}  {t.started:>7}  {t.completed:>9}  {t.cancelled:>9}")
    _show_stages(m.stages)
    _show_handoffs(m)
    _show_targets(m.targets)
    if m.stuck:
        click.echo("\nstuck cases (waiting longer than the threshold):")
        for s in m.stuck:
            click.echo(
                f"  case {s.case_id:<6} {s.name or s.element_id} [{s.lane or '-'}] waiting {duration(s.waited_seconds)} (threshold {duration(s.threshold_seconds)})"
            )


def _show_stages(stages: tuple[StageStats, ...]) -> None:
    if not stages:
        return
    click.echo(
        f"\n{'stage':32} {'lane':16} {'n':>5} {'mean':>8} {'median':>8} {'p90':>8} {'max':>8}  waiting (ready→claimed) / working (claimed→completed)"
    )
    for s in stages:
        d = s.duration
        line = f"{(s.name or s.element_id)[:32]:32} {(s.lane or '-')[:16]:16} {d.count:>5} {duration(d.mean):>8} {duration(d.median):>8} {duration(d.p90):>8} {duration(d.max):>8}"
        if s.waiting.count or s.unclaimed:
            line += f"  waiting median {duration(s.waiting.median)}, working median {duration(s.working.median)}"
            if s.unclaimed:
                line += f"; {s.unclaimed} never claimed: waiting unknown"
        if s.open_now:
            line += f"  [{s.open_now} open now]"
        click.echo(line)


def _show_handoffs(m: ProcessMetrics) -> None:
    if not m.handoffs:
        return
    click.echo(f"\nhandoffs per case: {_stats(m.handoffs_per_case, lambda v: display.number(v, CLI_LOCALE, digits=1))}")
    click.echo(f"{'from':16} {'to':16} {'count':>6}  median pickup")
    for h in m.handoffs:
        click.echo(f"{h.from_lane[:16]:16} {h.to_lane[:16]:16} {h.count:>6}  {duration(h.pickup.median)}")


def _show_targets(targets: tuple[TargetProgress, ...]) -> None:
    if not targets:
        return
    click.echo(f"\n{'metric':40} {'target':>10} {'value':>10} {'share':>7} {'projected':>10}  on track")
    for t in targets:
        target = "-" if t.target is None else f"{t.comparison}{t.target:g} {t.unit}".strip()
        value = "manual" if t.kind == "manual" else ("-" if t.value is None else f"{t.value:g}")
        share = "-" if t.share_of_target is None else f"{t.share_of_target:.0%}"
        projected = "-" if t.projection is None else f"{t.projection:g}"
        track = {True: "yes", False: "no", None: "-"}[t.on_track]
        click.echo(
            f"{t.name[:40]:40} {target:>10} {value:>10} {share:>7} {projected:>10}  {track} (per {t.period.replace('_', ' ')})"
        )
