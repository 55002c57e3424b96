"""HEAD answers like GET, without the body (RFC 9110 9.3.2: a server that answers GET should answer HEAD).

FastAPI's routes declared with GET take no HEAD (Starlette's own Route adds it, FastAPI's APIRoute
does not), so `curl -I /` was 405 while GET was 200. Rather than declare HEAD on every route (each
would then be a second operation in the OpenAPI document), a HEAD request is run as a GET and its
body dropped: status and headers, Content-Length included, are those of the GET. A path with no GET
(POST only) answers 405 to HEAD as to GET. The request is a GET to everything inside (routing,
CSRF: both safe methods), but the access log writes what came: `HEAD /…` (the scope keeps it under
ORIGINAL_METHOD, read by api.http.deps.origin_of).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ORIGINAL_METHOD = "kapula.original_method"  # scope key: the method the client sent, when run as another


class HeadAsGetMiddleware:
    """Runs a HEAD request as a GET and sends the response without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] != "http.response.body":
                await send(message)
                return
            if finished:
                return
            if not message.get("more_body", False):
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET", ORIGINAL_METHOD: "HEAD"}, receive, without_body)
