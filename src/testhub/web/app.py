"""`create_hub_app(settings)`: the hub's web app served by `testhub serve`.

Dashboard pages, /metrics, /healthz and /readyz; with `with_mcp` (the default), the MCP server at
/mcp and the API-key check in front of everything (testhub.mcp.install), which then decides who
may see the dashboard instead of the loopback-only default of `testhub.web.access`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from testhub.config import HubSettings, get_settings
from testhub.store.database import HubDatabase
from testhub.web import pages, probes
from testhub.web.access import checked_in_front, loopback_development
from testhub.web.errors import install_error_pages
from testhub.web.headers import SecurityHeadersMiddleware
from testhub.web.state import HubState, utc_now

STATIC = Path(__file__).parent / "static"


def create_hub_app(
    settings: HubSettings | None = None,
    *,
    database: HubDatabase | None = None,
    with_mcp: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or get_settings()
    owns_database = database is None
    hub_database = database or HubDatabase(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owns_database:
                await hub_database.dispose()

    app = FastAPI(
        title="Shopwright testing hub",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.hub = HubState(settings, hub_database, clock)
    # The hook a key check replaces (see testhub.web.access).
    app.state.access_policy = loopback_development(settings)
    app.include_router(probes.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)
    if with_mcp:
        from testhub.mcp.install import install_mcp  # the MCP SDK loads only when served

        install_mcp(app, settings, database=hub_database)
        app.state.access_policy = checked_in_front
    # Last added, so outermost: the key check's own answers get the headers too.
    app.add_middleware(SecurityHeadersMiddleware)
    return app
