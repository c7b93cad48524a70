"""Streamable HTTP at `/mcp` on the hub: bearer keys (no or unknown key: 401), DNS-rebinding
protection, CORS that exposes `Mcp-Session-Id`, and the same keys guarding the dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp

from testhub.mcp.keys.store import KeyStore
from testhub.mcp.runtime import McpRuntime, split_list

MCP_PATH = "/mcp"
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_LOOPBACK_ORIGIN_REGEX = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


class KeyVerifier(TokenVerifier):
    """Bearer tokens are hub API keys; the access token carries the key's scopes."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def verify_token(self, token: str) -> AccessToken | None:
        key = await self.keys.verify(token)
        if key is None:
            return None
        return AccessToken(
            token=token,
            client_id=key.public_id,
            scopes=sorted(scope.value for scope in key.scopes),
            expires_at=int(key.expires_at.timestamp()) if key.expires_at else None,
            claims={"key_id": key.id, "name": key.name},
        )


def transport_security(runtime: McpRuntime) -> TransportSecuritySettings:
    extra_hosts = split_list(runtime.settings.mcp_allowed_hosts)
    hosts = [*_LOOPBACK_HOSTS, *extra_hosts]
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    origins += split_list(runtime.settings.mcp_cors_origins)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[*hosts, *(f"{host}:*" for host in hosts)],
        allowed_origins=[*origins, *(f"{origin}:*" for origin in origins)],
    )


def key_auth(runtime: McpRuntime, *, public_url: str) -> tuple[AuthSettings, TokenVerifier]:
    """What MCPServer needs to demand a key on HTTP (no OAuth server: keys come from the CLI)."""
    settings = AuthSettings(issuer_url=AnyHttpUrl(public_url), resource_server_url=None)
    return settings, KeyVerifier(runtime.keys)


def mcp_http_app(server: MCPServer[Any], runtime: McpRuntime) -> Starlette:
    """The SDK's streamable HTTP app (the server was built with `key_auth`); route MCP_PATH."""
    return server.streamable_http_app(
        streamable_http_path=MCP_PATH, transport_security=transport_security(runtime)
    )


def with_cors(app: ASGIApp, runtime: McpRuntime) -> ASGIApp:
    origins = split_list(runtime.settings.mcp_cors_origins)
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_origin_regex=_LOOPBACK_ORIGIN_REGEX,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "Accept",
            "Mcp-Session-Id",
            "Mcp-Protocol-Version",
            "Last-Event-ID",
        ],
        expose_headers=["Mcp-Session-Id", "Mcp-Protocol-Version", "WWW-Authenticate"],
    )


def mount_mcp(app: Starlette, server: MCPServer[Any], runtime: McpRuntime) -> None:
    """Serve MCP at `/mcp` of an existing app (the dashboard), and run the MCP session manager
    inside that app's lifespan; the runtime (browsers, database) closes with the app."""
    inner = mcp_http_app(server, runtime)
    app.router.routes.insert(0, Route(MCP_PATH, endpoint=with_cors(inner, runtime)))
    original: Callable[[Any], AbstractAsyncContextManager[Any]] = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        try:
            async with server.session_manager.run(), original(application) as state:
                yield state
        finally:
            await runtime.aclose()

    app.router.lifespan_context = lifespan
