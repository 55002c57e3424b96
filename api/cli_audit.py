"""`kapula access-log` and `kapula erase`: data protection (the console is the administrator's)."""

from __future__ import annotations

import getpass

import click

from api.cli_common import ROW_ID, Context, json_option, pass_ctx, run
from engine import display
from engine.services.gate import Caller, operator
from engine.services.results import AccessEntry, ErasureResult


def _show(entries: list[AccessEntry]) -> None:
    if entries:
        click.echo(f"times in {display.time_zone().key} (KAPULA_TIME_ZONE)")
    for e in entries:
        task = f" task {e.task_id}" if e.task_id else ""
        what = f"case {e.case_id:<6}" if e.case_id is not None else f"process {e.process_key or '-'}"
        refused = f"  REFUSED: {e.refused}" if e.refused else ""
        reason = f"  reason: {e.reason}" if e.reason else ""
        click.echo(f"{display.stamp(e.at)}  {e.user:20} {what} {e.action:12}{task}  {e.origin or '-'}{refused}{reason}")


@click.command("access-log")
@click.option("--case", "case_id", type=ROW_ID, help="Only this case.")
@click.option("--user", help="Only this user.")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True, help="The latest this many entries.")
@json_option
@pass_ctx
def access_log(ctx: Context, case_id: int | None, user: str | None, limit: int, as_json: bool) -> None:
    """Who read or changed which case, how and when, oldest first."""
    run(as_json, lambda: ctx.kapula.access_log(case_id=case_id, user=user, limit=limit, caller=ctx.caller()), _show)


def _show_erasure(r: ErasureResult) -> None:
    click.echo(f"case {r.case_id}: erased {', '.join(r.fields)} ({r.rows_changed} rows changed)")


@click.command("erase")
@click.argument("case_id", type=ROW_ID)
@click.option(
    "--field", "fields", multiple=True, help="A field to erase (default: the fields the forms declare personal). Repeatable."
)
@click.option("--reason", required=True, help="Why the data is erased (kept in the access log, shown in the case's timeline).")
@click.option("--by", default=getpass.getuser, show_default="the console user", help="Who erases, for the access log.")
@json_option
@pass_ctx
def erase(ctx: Context, case_id: int, fields: tuple[str, ...], reason: str, by: str, as_json: bool) -> None:
    """Erase the personal data of case CASE_ID, saying why; its events' times, lanes and steps stay for the metrics."""
    run(
        as_json,
        lambda: ctx.kapula.erase_personal_data(
            case_id, fields=list(fields) or None, reason=reason, caller=Caller(operator(by), origin="kapula erase")
        ),
        _show_erasure,
    )
