"""Running the app under uvicorn: the app factory each worker calls, and the timer loop inside it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypedDict

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.http.app import create_app
from engine.bootstrap import open_kapula
from engine.errors import UnavailableError
from engine.services import Kapula

log = logging.getLogger("kapula.timers")
TICK_SETTING = "KAPULA_TICK_SECONDS"


class ServerSettings(TypedDict):
    """Keywords of uvicorn.run (and uvicorn.Config): the HTTP protocol class by import path, and
    the seconds an idle kept-alive connection is held open."""

    http: str
    timeout_keep_alive: int


# uvicorn's settings for every `kapula serve`: h11 with a time limit on request headers (uvicorn has
# none: api/http/timeouts.py), idle kept-alive connections closed after 5 s; the body's limits are
# the app's (create_app)
SERVER_SETTINGS: ServerSettings = {"http": "api.http.timeouts:TimedH11Protocol", "timeout_keep_alive": 5}


async def fire_timers_every(kapula: Kapula, seconds: float, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Fire due timers forever. Several workers may do this at once: each case steps once, the
    others get a conflict and skip it (Kapula.fire_due_timers)."""
    while True:
        await sleep(seconds)
        try:
            moved = await run_in_threadpool(kapula.fire_due_timers)
        except UnavailableError as exc:  # the database is away: expected now and then, no traceback
            log.warning("firing due timers skipped: %s", exc.message)
            continue
        except Exception:  # a bad round must not stop the loop; the next round retries
            log.exception("firing due timers failed")
            continue
        if moved:
            log.info("%d case(s) moved by due timers", moved)


def app_from_settings() -> FastAPI:
    """The app on KAPULA_DATABASE_URL, firing due timers every KAPULA_TICK_SECONDS (default 30)."""
    kapula = open_kapula()
    app = create_app(kapula)
    # what starting made (modules, routes, pydantic schemas: ~190,000 objects) lives as long as the
    # process: frozen, a full collection no longer walks it (60-80 ms each, ~14,000 objects after)
    gc.freeze()
    tick = float(os.environ.get(TICK_SETTING, "30"))
    default_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.create_task(fire_timers_every(kapula, tick)) if tick > 0 else None
        async with default_lifespan(app_):
            yield
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        kapula.close()

    app.router.lifespan_context = lifespan
    return app
