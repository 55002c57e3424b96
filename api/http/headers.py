"""Security headers on every response: a strict Content-Security-Policy, nosniff, no framing, a
referrer policy (OWASP ASVS 5.0 V3.4 "Browser Security Mechanism Headers").

Pages may run scripts only from Kapula's own origin (`/static/…`), never inline ones, so markup
that slipped into a page (a name, a diagram's documentation) cannot run. A drawing (SVG) opened by
itself, and a stored file a browser might render anyway, get a policy with no scripts at all and a
sandbox. A response that sets its own policy (the card page, the file downloads) keeps it.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# an SVG drawing's own styles are attributes and <style>; nothing in it may run or load
DRAWING_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox"
# uploaded files (BPMN, DMN, forms) are downloads: should a browser render one, nothing in it runs
FILE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def headers_for(content_type: str) -> dict[str, str]:
    """Every header above for a response of `content_type`, for a response written outside the
    middleware (an unexpected error's 500 is written by Starlette's outermost layer)."""
    return {**{k.decode(): v.decode() for k, v in _ALWAYS}, "content-security-policy": policy_for(content_type.encode()).decode()}


def page_policy_with_styles(*styles: str) -> str:
    """PAGE_POLICY that also allows these exact inline <style> blocks (by their SHA-256, CSP Level 2),
    for a generated page such as the process card that carries its own small style sheet."""
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in styles)
    return PAGE_POLICY.replace("style-src 'self'", f"style-src 'self' {hashes}") if hashes else PAGE_POLICY


def policy_for(content_type: bytes) -> bytes:
    """The Content-Security-Policy for a response of this content type (without a policy of its own)."""
    kind = content_type.split(b";")[0].strip().lower()
    if kind == b"image/svg+xml":
        return DRAWING_POLICY.encode()
    if kind.endswith(b"xml"):  # XML can be XHTML to a browser: never a page of ours
        return FILE_POLICY.encode()
    return PAGE_POLICY.encode()


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response the app sends, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _ALWAYS if name not in present]
                if b"content-security-policy" not in present:
                    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                    headers.append((b"content-security-policy", policy_for(content_type)))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
