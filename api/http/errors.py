"""The handlers that write the error body, with the status the adapters' one table gives (api/error_table.py).

CaseStepError is 422: the case's own diagram failed on this input (a condition or script), nothing
was changed, and sending the same request again fails the same way — it is not a race (409).
UnavailableError is 503 with Retry-After: the database dropped or refused the connection, and the
same request may succeed shortly (the pool reconnects by itself).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope

from api.error_table import answer_of
from api.http.headers import headers_for
from engine.errors import (
    CaseStepError,
    ConflictError,
    DiagramError,
    InvalidDataError,
    KapulaError,
    NotFoundError,
    TooManyAttemptsError,
    UnavailableError,
)

_HTTP_CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "too_large",
    415: "unsupported_media_type",
}


def status_of(exc: KapulaError) -> tuple[int, str]:
    """(HTTP status, error code) of `exc`, from the adapters' one table (api/error_table.py)."""
    answer = answer_of(exc)
    return answer.status, answer.code


def details_of(exc: KapulaError) -> dict[str, Any]:
    if isinstance(exc, DiagramError):
        return {"filename": exc.filename, "issues": [dataclasses.asdict(i) for i in exc.issues]}
    if isinstance(exc, InvalidDataError):
        return {"field_errors": exc.field_errors}
    if isinstance(exc, NotFoundError):
        return {"kind": exc.kind, "id": str(exc.ident)}
    if isinstance(exc, (UnavailableError, TooManyAttemptsError)):
        return {"retry_after": exc.retry_after}
    if isinstance(exc, (ConflictError, CaseStepError)):
        return {k: v for k, v in vars(exc).items() if k in ("case_id", "task_id", "element_id") and v is not None}
    return {}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> Response:
    body = {"code": code, "message": message, "details": jsonable_encoder(details or {})}
    try:
        return JSONResponse(body, status_code=status, headers=headers)
    except UnicodeEncodeError:
        # an error quoting what the client sent, lone surrogates included: escaped, so still JSON
        return Response(json.dumps(body, ensure_ascii=True), status_code=status, headers=headers, media_type="application/json")


def _for_browser(request: Request) -> bool:
    """Pages answer errors with pages; the API (and its documents) with JSON."""
    return _pages_of(request.scope) is not None


def _pages_of(scope: Scope) -> Any:
    """The app's page renderer (`app.state.html_error`) when `scope` asks for a page, else None."""
    path = scope.get("path", "")
    if path.startswith("/api/") or path in ("/openapi.json", "/docs", "/redoc"):
        return None
    return getattr(getattr(scope.get("app"), "state", None), "html_error", None)


async def page_refusal(scope: Scope, receive: Receive, exc: KapulaError, status: int) -> Response | None:
    """A refusal a middleware answers before any route runs (a stale form, a body over the limit)
    as the error page a route's refusal gets, when the request is a page's and the session is
    read; None when the answer is the API's JSON."""
    html_error = _pages_of(scope)
    if html_error is None or "session" not in scope:
        return None
    response: Response = await run_in_threadpool(html_error, Request(scope, receive), exc, status)
    return response


async def _page(request: Request, exc: KapulaError, status: int) -> Response:
    response: Response = await run_in_threadpool(request.app.state.html_error, request, exc, status)
    return response


def _headers_of(exc: KapulaError, status: int) -> dict[str, str] | None:
    if isinstance(exc, (UnavailableError, TooManyAttemptsError)):
        return {"Retry-After": str(exc.retry_after)}
    return {"WWW-Authenticate": "Bearer"} if status == 401 else None


def install(app: FastAPI) -> None:
    """Register the handlers so every error, ours or the framework's, has the same shape."""

    @app.exception_handler(KapulaError)
    async def _kapula(request: Request, exc: KapulaError) -> Response:
        status, code = status_of(exc)
        headers = _headers_of(exc, status)
        # an error page looks up who is signed in: with the database away, answer in JSON
        if _for_browser(request) and not isinstance(exc, UnavailableError):
            return await _page(request, exc, status)
        return error_response(status, code, exc.message, details_of(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if _for_browser(request):
            return await _page(request, KapulaError("the address or the form is not what this page expects"), 422)
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
        return error_response(422, "invalid_request", "the request does not match the API's schema", {"errors": errors})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # a bug: Starlette logs the traceback (re-raised after this answer); the client gets the
        # error shape and, since this layer is outside every middleware, the security headers too
        return error_response(
            500, "internal", "something went wrong on Kapula's side; it has been logged", headers=headers_for("application/json")
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _for_browser(request) and exc.status_code != 401:
            return await _page(request, KapulaError(str(exc.detail)), exc.status_code)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))
