"""The FastAPI application factory: routers, pages, error handlers, sessions, body limit."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.http import api_docs, errors
from api.http.csrf import CsrfMiddleware
from api.http.head import HeadAsGetMiddleware
from api.http.headers import SecurityHeadersMiddleware
from api.http.limits import DEFAULT_MAX_BODY, BodyLimitMiddleware
from api.http.routes import audit, auth, cases, messages, metrics, migrations, processes, tasks, users
from api.http.signin import SignInGuard
from api.http.timeouts import BODY_DEADLINE, BODY_TIMEOUT, BodyTimeoutMiddleware
from api.web import case_actions, lists, metrics_pages, migration_pages, pages, task_pages
from api.web.render import WEB
from api.web.session import html_error
from engine.services import Kapula
from engine.services.accounts import SESSION_LIFETIME, Directory

SECURE_COOKIES_SETTING = "KAPULA_SECURE_COOKIES"
ALLOWED_ORIGINS_SETTING = "KAPULA_ALLOWED_ORIGINS"


def secure_cookies_from_settings() -> bool:
    """KAPULA_SECURE_COOKIES=1 (or true/yes/on): cookies only over HTTPS. On in production."""
    return os.environ.get(SECURE_COOKIES_SETTING, "").strip().lower() in ("1", "true", "yes", "on")


# the routers in the order the API's document (/openapi.json, /docs) lists their operations
DOCUMENTED = (
    auth,
    users,
    processes,
    migrations,
    cases,
    messages,
    audit,
    tasks,
    metrics,
    pages,
    task_pages,
    case_actions,
    metrics_pages,
    migration_pages,
    lists,
)
# matched first: a step's request (start, claim, complete) was matched against the 25 routes
# listed before them, ~0.17 ms of a request's CPU in FastAPI's matching (issue 14). Their paths
# (/api/tasks/..., /api/cases/...) are no other router's, so no request finds another route by
# the order; the cases' router stays ahead of the audit router, which shares its prefix
MATCHED_FIRST = (tasks, cases)


def _include_routers(app: FastAPI) -> None:
    """Include the routers, the step routes' first; the API's document still lists them in the
    DOCUMENTED order (FastAPI writes it from the app's routes in their order)."""
    before = len(app.router.routes)
    order = [*MATCHED_FIRST, *(m for m in DOCUMENTED if m not in MATCHED_FIRST)]
    for module in order:
        app.include_router(module.router)
    included = dict(zip(order, app.router.routes[before:], strict=True))
    documented = [included[m] for m in DOCUMENTED]
    write_document = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # written once, with the routers in the documented order for that moment (either
            # order routes every request alike, so a request routed meanwhile is not misled)
            matched = list(app.router.routes)
            app.router.routes[before : before + len(documented)] = documented
            try:
                write_document()
            finally:
                app.router.routes[:] = matched
        assert app.openapi_schema is not None  # noqa: S101 - written just now
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to shape the document


def create_app(
    kapula: Kapula,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
    secret_key: str | None = None,
    https_only: bool | None = None,
    poll_seconds: float = 5,
    body_timeout: float = BODY_TIMEOUT,
    body_deadline: float = BODY_DEADLINE,
) -> FastAPI:
    """The HTTP API and pages over one Kapula; an open inbox polls for new tasks every `poll_seconds`.
    A request body that pauses longer than `body_timeout` seconds, or takes longer than
    `body_deadline`, is answered 408 (api/http/timeouts.py).

    Session cookies are signed with `secret_key`, else the KAPULA_SECRET_KEY setting, else a key
    generated on first start and kept in the database (so all workers and restarts share it). The
    cookie names a server-side session (engine.access.credentials); it is `Secure` when
    `https_only`, else when the KAPULA_SECURE_COOKIES setting says so."""
    directory = Directory(kapula.sessions, kapula.clock)
    # /docs is our own page (api_docs.py): Swagger UI served from here, started by a static script;
    # FastAPI's pages load inline scripts from a CDN, which the CSP forbids. No /redoc.
    app = FastAPI(
        title="Kapula",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        description="BPMN swimlane processes run as live cases; every handoff between organisations in the event log.",
    )
    app.state.kapula = kapula
    app.state.directory = directory
    app.state.signin_guard = SignInGuard()
    app.state.html_error = html_error
    app.state.poll_seconds = poll_seconds
    errors.install(app)
    api_docs.install(app)
    _include_routers(app)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    secret = secret_key or os.environ.get("KAPULA_SECRET_KEY") or directory.session_secret()
    secure = secure_cookies_from_settings() if https_only is None else https_only
    app.state.secure_cookies = secure
    # inside the session middleware (it reads the session's token), inside the body limit (it reads forms)
    app.add_middleware(CsrfMiddleware, allowed_origins=os.environ.get(ALLOWED_ORIGINS_SETTING, "").split(","))
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="kapula_session",
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=secure,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(BodyTimeoutMiddleware, pause_seconds=body_timeout, total_seconds=body_deadline)
    app.add_middleware(HeadAsGetMiddleware)  # HEAD is a GET without its body, for every GET route
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: on every response, errors included
    return app
