"""Fixtures of the MCP server's tests: a live shop in test mode, the hub runtime, an in-process
MCP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from testhub.config import PROJECT_ROOT, HubSettings
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.server import build_server
from tests.databases import SqliteTemplate
from tests.live import start_shop
from tests.testhub.conftest import CHROMIUM


@pytest.fixture(scope="session")
def shop_url(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real shop in test mode with the demo data (SQLite: the shop's own tests cover both
    databases; here the shop is only the thing under test)."""
    database_url = sqlite_template.clone()
    shop = start_shop(database_url, tmp_path_factory.mktemp("mcp_shop"))
    yield shop.base_url
    shop.stop()
    sqlite_template.drop(database_url)


def make_hub_settings(tmp_path: Path, base_url: str, **overrides: object) -> HubSettings:
    values: dict[str, object] = {
        "base_url": base_url,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        "var_dir": tmp_path / "var",
        "stories_dir": PROJECT_ROOT / "stories",
        "generated_dir": tmp_path / "generated",
        "browser_executable": CHROMIUM,
        "_env_file": None,
    }
    values.update(overrides)
    return HubSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, shop_url: str) -> HubSettings:
    return make_hub_settings(tmp_path, shop_url)


@pytest.fixture
async def runtime(settings: HubSettings) -> AsyncIterator[McpRuntime]:
    hub = McpRuntime.from_settings(settings)
    yield hub
    await hub.aclose()


class InProcessClient:
    """An in-process MCP client that connects for each request: a connection held open across
    a fixture would be entered and left in different tasks, which anyio forbids. The server's
    state (browsers, database) lives in the runtime, so nothing is lost between requests."""

    def __init__(self, server: MCPServer[Any]) -> None:
        self.server = server

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def request(*args: Any, **kwargs: Any) -> Any:
            async with Client(self.server) as client:
                return await getattr(client, name)(*args, **kwargs)

        return request


@pytest.fixture
def client(runtime: McpRuntime) -> InProcessClient:
    server, _ = build_server(runtime)
    return InProcessClient(server)
