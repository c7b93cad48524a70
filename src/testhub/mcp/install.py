"""Wire the MCP server into the dashboard app: `/mcp`, and keys in front of the dashboard."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from testhub.config import HubSettings
from testhub.mcp.browser import BrowserPool
from testhub.mcp.dashboard_auth import DashboardKeyMiddleware
from testhub.mcp.http import mount_mcp
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.server import build_server
from testhub.mcp.usage_page import usage_page
from testhub.store.database import HubDatabase

USAGE_PATH = "/usage"


def install_mcp(
    app: Starlette, settings: HubSettings, *, database: HubDatabase | None = None
) -> McpRuntime:
    runtime = McpRuntime(
        settings=settings,
        database=database or HubDatabase(settings.database_url),
        browsers=BrowserPool(settings),
    )
    server, _ = build_server(runtime, http_public_url=f"http://{settings.host}:{settings.port}")
    mount_mcp(app, server, runtime)
    app.router.routes.append(Route(USAGE_PATH, usage_page(runtime), methods=["GET"]))
    app.add_middleware(DashboardKeyMiddleware, settings=settings, keys=runtime.keys)
    app.state.mcp_runtime = runtime
    return runtime
