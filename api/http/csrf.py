"""Cross-site request forgery: every state-changing request that a browser's cookies could vouch for
must come from Kapula's own origin and carry the session's token.

- Pages (every path outside /api/), sign-in included so that nobody is signed in to someone else's
  account (login CSRF): the `Origin` header (else `Referer`) must be Kapula's own, and the form
  field `csrf_token` or the header `X-CSRF-Token` must equal the token kept in the session.
- The API with the session cookie: the same origin rule, and either a JSON body (a cross-origin
  page cannot send one without a CORS preflight, which Kapula never grants) or the header token.
- The API with `Authorization: Bearer …`, or with no session at all: nothing to forge, not checked.

The token is a synchronizer token kept in the signed session cookie and renewed at sign-in, not a
double-submit cookie: a page on the same site (another port of the same host) can set cookies for
Kapula's host, so a token that only has to equal a cookie would not stop it. OWASP's CSRF
Prevention Cheat Sheet; ADR 0003 says why this is not a third-party middleware.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.deps import SESSION_ID
from api.http.errors import page_refusal
from engine.errors import AccessDeniedError


class FormRefusedError(AccessDeniedError):
    """A state-changing page request without Kapula's origin or the session's form token: a stale
    page or another site. The page says so, not that the data belongs to someone else."""


TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "x-csrf-token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use (the session cookie then carries it)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def _origin(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, default ports left out; None for anything else (`null`)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    netloc = parts.hostname if port is None or str(port) == _DEFAULT_PORTS[parts.scheme] else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{netloc}"


class CsrfMiddleware:
    """Refuses forged state-changing requests with 403 (the JSON error shape for the API, an error
    page for pages). Sits inside the session middleware (it reads the session) and inside the body
    limit (it reads form bodies to find the token, then hands the same bytes on)."""

    def __init__(self, app: ASGIApp, *, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed_origins = frozenset(o for o in (_origin(a.strip()) for a in allowed_origins) if o)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        session = scope.get("session") or {}
        api = scope["path"].startswith("/api/")
        if headers.get("authorization", "").lower().startswith("bearer ") or (api and not session.get(SESSION_ID)):
            await self.app(scope, receive, send)
            return
        if not self._same_origin(scope, headers):
            await self._refuse(scope, receive, send, "the request came from another site (its Origin is not Kapula's)")
            return
        expected = session.get(SESSION_KEY)
        if _matches(headers.get(TOKEN_HEADER, ""), expected):
            await self.app(scope, receive, send)
            return
        if api:
            if _is_json(headers):
                await self.app(scope, receive, send)
            else:
                await self._refuse(
                    scope, receive, send, "a signed-in browser calls the API with a JSON body or the X-CSRF-Token header"
                )
            return
        body, more = await _read_body(receive)
        submitted = await _form_token(scope, headers, body)
        if not _matches(submitted, expected):
            await self._refuse(
                scope,
                _replay(body, more, receive),
                send,
                "the form is stale or came from another site: reload the page and send it again",
            )
            return
        await self.app(scope, _replay(body, more, receive), send)

    def _same_origin(self, scope: Scope, headers: Headers) -> bool:
        claimed = headers.get("origin") or headers.get("referer")
        origin = _origin(claimed) if claimed else None
        if origin is None:
            return False
        own = _origin(f"{scope.get('scheme', 'http')}://{headers.get('host', '')}")
        return origin == own or origin in self.allowed_origins

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        page = await page_refusal(scope, receive, FormRefusedError(message), 403)
        if page is not None:
            await page(scope, receive, send)
            return
        body = json.dumps({"code": "csrf_failed", "message": message, "details": {}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _matches(submitted: str, expected: object) -> bool:
    if not isinstance(expected, str) or not expected or not submitted:
        return False
    return secrets.compare_digest(submitted.encode("utf-8", "surrogatepass"), expected.encode())


def _is_json(headers: Headers) -> bool:
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (the body limit outside bounds it); `more` is False when the client went away."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A receive that hands on the body already read, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive() if complete else {"type": "http.disconnect"}

    return replay


async def _form_token(scope: Scope, headers: Headers, body: bytes) -> str:
    """The `csrf_token` field of a form body, "" when there is none or the body is not a form."""
    media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    try:
        if media == "application/x-www-form-urlencoded":
            fields = parse_qsl(body.decode("latin-1"), max_num_fields=10_000)
            return next((v for k, v in fields if k == TOKEN_FIELD), "")
        if media == "multipart/form-data":
            request = Request(scope, _replay(body, True, _no_more))
            async with request.form(max_files=1000, max_fields=10_000) as form:
                value = form.get(TOKEN_FIELD)
            return value if isinstance(value, str) else ""
    except Exception:  # noqa: BLE001 - a malformed body carries no token; the refusal says so
        return ""
    return ""


async def _no_more() -> Message:
    return {"type": "http.disconnect"}
