"""The body limit refuses an oversized request before reading it, and stops a streamed one at the limit."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from api.http.limits import BodyLimitMiddleware


async def _echo(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def _call(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, int]:
    """Run one request through the middleware; returns (status, how many body chunks were read)."""
    app = BodyLimitMiddleware(Starlette(routes=[Route("/", _echo, methods=["POST"])]), max_bytes=100)
    reads = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        body = chunks[reads - 1] if reads <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": reads < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": headers,
        "query_string": b"",
        "http_version": "1.1",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("c", 1),
        "root_path": "",
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], reads


def test_declared_oversize_is_refused_without_reading_the_body():
    assert _call([(b"content-length", b"1000000")], [b"x" * 1000]) == (413, 0)


def test_streamed_body_is_cut_at_the_limit():
    status, reads = _call([], [b"x" * 60] * 10)
    assert (status, reads) == (413, 2)


def test_body_under_the_limit_passes():
    assert _call([(b"content-length", b"50")], [b"x" * 50]) == (200, 1)
