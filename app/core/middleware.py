"""ASGI middleware around the whole app: request ids and security headers."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
# The request being answered, for log lines made while answering it (app.monitoring.logs).
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        await self.app(scope, receive, send_with_id)


# A JSON API needs nothing loaded, framed or sent anywhere.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
# The interactive docs (app.apidocs): scripts and styles from this app only; ReDoc
# injects <style> elements, hence inline styles, and parses the spec in a worker.
DOCS_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])
DOCS_PAGES = frozenset({"/docs", "/redoc"})
# The web UI and the portal (app.ui, app.portal): this site's scripts, styles, images and
# audio only; no inline script or style, forms post here only, nothing frames a page.
PAGE_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])
NOT_PAGES = ("/api/", "/static/", "/openapi", "/metrics")


def policy_for(path: str) -> str:
    if path in DOCS_PAGES:
        return DOCS_POLICY
    return API_POLICY if path.startswith(NOT_PAGES) else PAGE_POLICY
SECURITY_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
    b"permissions-policy": b"camera=(), geolocation=(), microphone=(), payment=(), usb=()",
    # Records are sensitive: no browser or proxy keeps a copy.
    b"cache-control": b"no-store",
}
# Production is served over TLS (behind the city's proxy); elsewhere HSTS would pin
# a developer's localhost to HTTPS.
STRICT_TRANSPORT = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeadersMiddleware:
    """Add the security headers to every response, errors included.

    A response that sets one of these headers itself keeps its own value.
    """

    def __init__(self, app: ASGIApp, *, strict_transport: bool) -> None:
        self.app = app
        self.strict_transport = strict_transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"])
        wanted = [*SECURITY_HEADERS.items(), (b"content-security-policy", policy.encode())]
        if self.strict_transport:
            wanted.append(STRICT_TRANSPORT)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in wanted if name not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)
