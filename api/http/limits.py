"""Refuse request bodies over a size limit before reading them whole (413)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.errors import page_refusal
from engine.errors import KapulaError

DEFAULT_MAX_BODY = 5 * 1024 * 1024


class BodyTooLargeError(HTTPException):
    """Raised while reading a body that grows past the limit. An HTTPException, because FastAPI
    turns any other error raised while it reads a body into a 400."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than the limit of {max_bytes} bytes")
        self.max_bytes = max_bytes


class BodyLimitMiddleware:
    """Answers 413 when Content-Length says too much, or when a streamed body grows past the limit,
    at the first read of the body that shows it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        # too large by its own account: refuse at the first read, so the app answers in its own
        # form (JSON for the API, a page for a browser) without a byte of the body read
        refuse_now = declared is not None and declared.isdigit() and int(declared) > self.max_bytes
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            if refuse_now:
                raise BodyTooLargeError(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        """A 413 the app did not answer itself (a middleware inside read the body: the form token's
        check): an error page for a page's form, as its route answers one, else the API's JSON."""

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        message = f"the request body is larger than the limit of {self.max_bytes} bytes"
        page = await page_refusal(scope, no_body, KapulaError(message), 413)
        if page is not None:
            page.headers["connection"] = "close"
            await page(scope, no_body, send)
            return
        body = json.dumps(
            {
                "code": "too_large",
                "message": message,
                "details": {"max_bytes": self.max_bytes},
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
