"""HTTP middleware: request ids and security headers on every response."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.web.problems import problem_response

SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
    b"x-frame-options": b"DENY",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
# Same-origin only and no inline scripts; a page that needs more sets its own header.
DEFAULT_CSP = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    b"object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware) so that it costs almost nothing per request."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", DEFAULT_CSP))
                if self.hsts:
                    headers.append(
                        (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
                    )
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        if _has_nul(scope):
            # No text we store may hold NUL (PostgreSQL refuses it); say so instead of failing.
            refusal = problem_response(
                400,
                "invalid_characters",
                "Bad request",
                "the address contains a NUL character (%00), which no field accepts",
            )
            await refusal(scope, receive, send_with_headers)
            return

        await self.app(scope, receive, send_with_headers)


def _has_nul(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    return b"%00" in query or "\x00" in scope.get("path", "")


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")[:64]
            return text if text.replace("-", "").isalnum() else None
    return None
