"""The FastAPI application factory: routers, error handlers, body limit."""

from __future__ import annotations

from fastapi import FastAPI

from api.http import errors
from api.http.limits import DEFAULT_MAX_BODY, BodyLimitMiddleware
from api.http.routes import cases, processes, tasks
from engine.services import Kapula


def create_app(kapula: Kapula, *, max_body_bytes: int = DEFAULT_MAX_BODY) -> FastAPI:
    """The HTTP API (and pages) over one Kapula."""
    app = FastAPI(title="Kapula", version="0.1.0",
                  description="BPMN swimlane processes run as live cases; every handoff between organisations in the event log.")
    app.state.kapula = kapula
    errors.install(app)

    for module in (processes, cases, tasks):
        app.include_router(module.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    return app
