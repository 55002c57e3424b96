"""`kapula serve`: the HTTP API and pages under uvicorn, with due timers fired inside the server."""

from __future__ import annotations

import os

import click
import uvicorn

from api.cli_common import Context, FiniteFloat, pass_ctx, run
from api.http.server import SERVER_SETTINGS, TICK_SETTING
from engine.services.operations import database_url, make_engine
from engine.settings import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
@click.option(
    "--tick",
    "tick_seconds",
    default=30.0,
    show_default=True,
    type=FiniteFloat(min=0),
    help="Fire due timers every SECONDS (0: never; then run `kapula tick --every`).",
)
@pass_ctx
def serve(ctx: Context, host: str, port: int, workers: int, tick_seconds: float) -> None:
    """Serve the web pages and the HTTP API (its OpenAPI description at /openapi.json)."""
    # the workers build their own app from the settings: pass ours on through the environment
    if ctx.database:
        os.environ["KAPULA_DATABASE_URL"] = ctx.database
    os.environ[TICK_SETTING] = str(tick_seconds)
    ctx.close()

    # read here what each worker reads when it starts: a mistake in them is one line and an exit
    # code, not 'Kapula is at …' and then a worker's traceback
    def check() -> None:
        make_engine(database_url(ctx.database)).dispose()
        load_settings()

    run(False, check, lambda _none: None)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"Kapula is at http://{shown}:{port}/  (API: http://{shown}:{port}/openapi.json; stop with Ctrl+C)")
    uvicorn.run(
        "api.http.server:app_from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        **SERVER_SETTINGS,
    )
