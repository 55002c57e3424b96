"""`kapula db …`: the database schema's migrations, applied on purpose (serve and demo also apply them on start)."""

from __future__ import annotations

from typing import Any

import click

from api.cli_common import Context, json_option, pass_ctx, run
from engine.services.operations import current_revision, database_url, head_revision, make_engine, upgrade


@click.group()
def db() -> None:
    """The database schema: which migration it is at, and bringing it up to date."""


@db.command("current")
@json_option
@pass_ctx
def db_current(ctx: Context, as_json: bool) -> None:
    """Show the database's revision and the newest one this Kapula knows."""

    def action() -> dict[str, Any]:
        engine = make_engine(database_url(ctx.database))
        try:
            return {"current": current_revision(engine), "head": head_revision()}
        finally:
            engine.dispose()

    def show(result: dict[str, Any]) -> None:
        state = "up to date" if result["current"] == result["head"] else "needs `kapula db upgrade`"
        click.echo(f"database at {result['current'] or 'no revision (empty)'}; newest {result['head']}: {state}")

    run(as_json, action, show)


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="The revision to upgrade to.")
@json_option
@pass_ctx
def db_upgrade(ctx: Context, revision: str, as_json: bool) -> None:
    """Apply the migrations the database has not had yet (a no-op when it is up to date)."""

    def action() -> dict[str, Any]:
        engine = make_engine(database_url(ctx.database))
        try:
            before = current_revision(engine)
            upgrade(engine, revision)
            return {"before": before, "current": current_revision(engine)}
        finally:
            engine.dispose()

    run(
        as_json,
        action,
        lambda r: click.echo(
            f"database upgraded from {r['before'] or 'empty'} to {r['current']}"
            if r["before"] != r["current"]
            else f"database already at {r['current']}"
        ),
    )
