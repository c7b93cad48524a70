"""The dashboard asks for an API key except in development on loopback. Browsers sign in once
at `/login` (the key goes into an HttpOnly cookie); scripts and Prometheus send a bearer token."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from testhub.config import HubSettings, is_loopback_host
from testhub.mcp.keys.store import KeyStore

COOKIE = "testhub_key"
LOGIN_PATH = "/login"
# Probes stay open; the MCP endpoint checks keys itself.
_PROBES = ("/healthz", "/readyz")

_LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Testing hub — sign in</title></head>
<body><main>
<h1>Testing hub</h1>
<p>This dashboard needs an API key (<code>testhub keys create --name NAME --scopes read</code>).</p>
{error}
<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form></main></body></html>"""


def dashboard_is_open(settings: HubSettings, client_host: str | None) -> bool:
    return (
        settings.env == "development"
        and is_loopback_host(settings.host)
        and client_host is not None
        and is_loopback_host(client_host)
    )


def _safe_next(target: str) -> str:
    # Only paths of this site: never an open redirect.
    return target if target.startswith("/") and not target.startswith("//") else "/"


class DashboardKeyMiddleware:
    def __init__(self, app: ASGIApp, *, settings: HubSettings, keys: KeyStore) -> None:
        self.app = app
        self.settings = settings
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        path = request.url.path
        client = request.client.host if request.client else None
        if (
            dashboard_is_open(self.settings, client)
            or path in _PROBES
            or path == "/mcp"
            or path.startswith("/mcp/")
        ):
            await self.app(scope, receive, send)
            return
        if path == LOGIN_PATH:
            response = await self._login(request)
            await response(scope, receive, send)
            return
        token = request.cookies.get(COOKIE)
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        if token and await self.keys.verify(token) is not None:
            await self.app(scope, receive, send)
            return
        await self._refuse(request)(scope, receive, send)

    def _refuse(self, request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{LOGIN_PATH}?next={quote(target)}", status_code=303)
        return JSONResponse(
            {"error": "invalid_token", "error_description": "an API key is required"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="testhub"'},
        )

    async def _login(self, request: Request) -> Response:
        if request.method == "GET":
            target = _safe_next(request.query_params.get("next", "/"))
            return HTMLResponse(_LOGIN_PAGE.format(error="", next=html.escape(target)))
        if request.method != "POST":
            return Response(status_code=405, headers={"Allow": "GET, POST"})
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        key = (form.get("key") or [""])[0].strip()
        target = _safe_next((form.get("next") or ["/"])[0])
        if not key or await self.keys.verify(key) is None:
            error = '<p role="alert">That key is unknown, expired or revoked.</p>'
            return HTMLResponse(
                _LOGIN_PAGE.format(error=error, next=html.escape(target)), status_code=401
            )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            key,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            max_age=8 * 3600,
        )
        return response
