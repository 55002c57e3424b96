"""Slow clients cannot hold connections: a request's headers must arrive within a time limit, and
its body must keep coming and end within limits (OWASP ASVS 5.0 V13, resource exhaustion).

uvicorn times out only idle keep-alive connections: a client that connects and sends its headers
a byte at a time (slowloris), or a body that never ends, holds a connection and its socket for as
long as it likes. `TimedH11Protocol` (uvicorn's h11 protocol with a header timer) closes such a
connection with a 408; `BodyTimeoutMiddleware` answers 408 when the body stalls or takes too long.
The limits are settings (docs/deployment.md): KAPULA_HEADER_TIMEOUT, KAPULA_BODY_TIMEOUT (the
longest pause between two parts of a body) and KAPULA_BODY_DEADLINE (the whole body), in seconds.
"""

from __future__ import annotations

import asyncio
import json
import os

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = float(os.environ.get("KAPULA_HEADER_TIMEOUT", "10"))
BODY_TIMEOUT = float(os.environ.get("KAPULA_BODY_TIMEOUT", "10"))
BODY_DEADLINE = float(os.environ.get("KAPULA_BODY_DEADLINE", "60"))
_TOO_SLOW = b"the request headers did not arrive in time\n"
_TIMED_OUT = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TOO_SLOW), _TOO_SLOW)
)


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus: from a new connection, or the first byte of the next request
    on a kept-alive one, the request line and headers must be complete within `header_timeout`
    seconds, however steadily the bytes trickle in; else a 408 and the connection is closed."""

    header_timeout = HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None

    # uvicorn's own override narrows asyncio.Protocol's BaseTransport to the Transport the loop hands
    # a stream protocol; ours takes the same (hence the same ignore as uvicorn's)
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is None or self.cycle.response_complete:  # between requests: headers still to come
            self._await_headers()
        else:
            self._headers_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _headers_arrived(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMED_OUT)
            self.transport.close()


def protocol_with(header_timeout: float) -> type[TimedH11Protocol]:
    """TimedH11Protocol with another header time limit (seconds), e.g. a short one for tests."""
    return type("TimedH11Protocol", (TimedH11Protocol,), {"header_timeout": header_timeout})


class BodyTimeoutError(HTTPException):
    """Raised while reading a body that stalls or takes too long. An HTTPException, because FastAPI
    turns any other error raised while it reads a body into a 400; `Connection: close` drops the
    slow client after the 408."""

    def __init__(self, message: str) -> None:
        super().__init__(408, message, headers={"Connection": "close"})


class BodyTimeoutMiddleware:
    """Answers 408 when the next part of a request body does not arrive within `pause_seconds`, or
    the whole body not within `total_seconds` of the first read."""

    def __init__(self, app: ASGIApp, *, pause_seconds: float = BODY_TIMEOUT, total_seconds: float = BODY_DEADLINE) -> None:
        self.app = app
        self.pause_seconds = pause_seconds
        self.total_seconds = total_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        body_done = False
        started = False

        async def timed_receive() -> Message:
            nonlocal deadline, body_done
            if body_done:  # afterwards the app may wait for a disconnect as long as it likes
                return await receive()
            now = loop.time()
            deadline = deadline if deadline is not None else now + self.total_seconds
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for wraps receive() in a Task
                # of its own, a request's largest cost among the middlewares (~0.1 ms, issue 14)
                async with asyncio.timeout_at(min(now + self.pause_seconds, deadline)):
                    message = await receive()
            except TimeoutError:
                late = "did not end" if deadline - loop.time() <= 0 else "stalled"
                raise BodyTimeoutError(f"the request body {late} in time; send it again") from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, watching_send)
        except BodyTimeoutError as exc:
            if not started:
                await _refuse(send, str(exc.detail))


async def _refuse(send: Send, message: str) -> None:
    body = json.dumps({"code": "timeout", "message": message, "details": {}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 408,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
