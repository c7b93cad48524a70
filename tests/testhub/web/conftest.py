"""The dashboard app over a hub database on each backend, reached in-process with httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from testhub.config import HubSettings
from testhub.store.database import HubDatabase
from testhub.web.app import create_hub_app
from tests.testhub.analytics.history import NOW

HTML = {"accept": "text/html"}


def hub_settings_for(tmp_path: Path, **overrides: object) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        var_dir=tmp_path / "var",
        _env_file=None,  # type: ignore[call-arg]
        **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture
def dashboard(tmp_path: Path, hub_database: HubDatabase) -> FastAPI:
    """The dashboard alone (no MCP), its clock fixed at the seeded history's NOW."""
    return create_hub_app(
        hub_settings_for(tmp_path), database=hub_database, with_mcp=False, clock=lambda: NOW
    )


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[HubDatabase]:
    """For tests about access and exposition, where the backend does not matter."""
    database = HubDatabase(f"sqlite+aiosqlite:///{tmp_path / 'access.db'}")
    yield database
    await database.dispose()


@pytest.fixture
def sqlite_dashboard(tmp_path: Path, sqlite_database: HubDatabase) -> FastAPI:
    return create_hub_app(hub_settings_for(tmp_path), database=sqlite_database, with_mcp=False)


def loopback_client(app: FastAPI, *, client: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8001")


@pytest.fixture
async def web(dashboard: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with loopback_client(dashboard) as client:
        yield client
