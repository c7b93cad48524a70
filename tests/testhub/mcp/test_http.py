"""Streamable HTTP at /mcp with a real client over 127.0.0.1: keys, scopes, sessions, DNS-rebinding
protection, CORS, and the dashboard behind the same keys."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from mcp.shared.exceptions import MCPError
from prometheus_client import generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from testhub.config import HubSettings
from testhub.mcp.audit import AuditLog
from testhub.mcp.install import install_mcp
from testhub.mcp.keys.store import KeyStore
from testhub.mcp.scopes import parse_scopes
from testhub.metrics import REGISTRY
from testhub.store.database import HubDatabase
from tests.testhub.mcp.conftest import make_hub_settings
from tests.testhub.mcp.http_server import http_client, serve

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def _dashboard(_: Request) -> PlainTextResponse:
    return PlainTextResponse("dashboard")


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, shop_url: str
) -> Iterator[tuple[str, HubSettings]]:
    """A hub as deployed: production mode, so the dashboard needs a key too."""
    settings = make_hub_settings(tmp_path_factory.mktemp("hub"), shop_url, env="production")
    app = Starlette(routes=[Route("/", _dashboard)])
    install_mcp(app, settings)
    with serve(app) as url:
        yield url, settings


async def _key(settings: HubSettings, scopes: str, *, created: datetime | None = None) -> str:
    database = HubDatabase(settings.database_url)
    try:
        issued = await KeyStore(database).create(
            name=f"test-{scopes}",
            scopes=parse_scopes(scopes),
            expires_in=timedelta(days=1) if created else None,
            now=created,
        )
    finally:
        await database.dispose()
    return issued.token


class TestAuthentication:
    async def test_no_key_is_401(self, hub: tuple[str, HubSettings]) -> None:
        url, _ = hub
        async with httpx.AsyncClient() as http:
            response = await http.post(f"{url}/mcp", json=INITIALIZE, headers=MCP_HEADERS)

        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_unknown_and_revoked_keys_are_401(self, hub: tuple[str, HubSettings]) -> None:
        url, settings = hub
        revoked = await _key(settings, "admin")
        database = HubDatabase(settings.database_url)
        await KeyStore(database).revoke(revoked.split("_")[1])
        await database.dispose()

        async with httpx.AsyncClient() as http:
            for token in ("thk_AbCd1234_" + "k" * 43, revoked, "not-a-key"):
                response = await http.post(
                    f"{url}/mcp",
                    json=INITIALIZE,
                    headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 401

    async def test_the_sdk_client_without_a_key_cannot_connect(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, _ = hub
        with pytest.raises(ExceptionGroup) as failure:
            async with http_client(url, None, mode="legacy"):
                pass
        assert failure.value.subgroup(MCPError) is not None


class TestScopes:
    async def test_a_read_key_cannot_run_tests_a_run_key_can(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, settings = hub
        read_key, run_key = await _key(settings, "read"), await _key(settings, "run")

        async with http_client(url, read_key) as reader:
            names = {tool.name for tool in (await reader.list_tools()).tools}
            denied = await reader.call_tool("tests_run", {"path": "tests/generated/none.py"})
            health = await reader.call_tool("shop_health", {})
        async with http_client(url, run_key) as runner:
            allowed = await runner.call_tool(
                "tests_run", {"path": "tests/testhub/mcp/no_such_suite.py"}
            )

        assert "tests_run" in names
        assert denied.is_error
        assert "needs the 'run' scope; this key has: read" in denied.content[0].text  # type: ignore[union-attr]
        assert not health.is_error
        assert not allowed.is_error
        assert allowed.structured_content is not None
        assert allowed.structured_content["exit_code"] == 2
        assert "no such test path" in allowed.structured_content["problem"]

    async def test_calls_are_audited_under_the_key(self, hub: tuple[str, HubSettings]) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        async with http_client(url, key) as client:
            await client.call_tool("data_reset", {})

        database = HubDatabase(settings.database_url)
        entry = (await AuditLog(database).recent(limit=1, tool="data_reset"))[0]
        await database.dispose()
        assert entry.principal == f"key:{key.split('_')[1]}"
        assert (entry.transport, entry.outcome) == ("http", "denied")


class TestRemoteTargets:
    async def test_remote_callers_reach_only_known_shops(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, settings = hub
        key = await _key(settings, "run")

        async with http_client(url, key) as client:
            elsewhere = await client.call_tool("shop_health", {"base_url": "http://127.0.0.1:9"})
            metadata = await client.call_tool(
                "browser_open", {"url": "http://169.254.169.254/latest/meta-data/"}
            )
            configured = await client.call_tool("shop_health", {"base_url": settings.base_url})

        assert elsewhere.is_error
        assert "not a shop this hub knows" in elsewhere.content[0].text  # type: ignore[union-attr]
        assert metadata.is_error
        assert "not on a shop this hub knows" in metadata.content[0].text  # type: ignore[union-attr]
        assert not configured.is_error


class TestSessions:
    async def test_each_mcp_session_gets_its_own_browser(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, settings = hub
        key = await _key(settings, "run")

        async with (
            http_client(url, key, mode="legacy") as first,
            http_client(url, key, mode="legacy") as second,
        ):
            one = (await first.call_tool("browser_open", {"url": "/healthz"})).structured_content
            two = (await second.call_tool("browser_open", {"url": "/readyz"})).structured_content
            again = await first.call_tool("browser_snapshot", {})

        assert one is not None
        assert two is not None
        assert again.structured_content is not None
        assert one["browser_id"] != two["browser_id"]
        assert again.structured_content["browser_id"] == one["browser_id"]
        assert again.structured_content["url"].endswith("/healthz")


class TestTransportSecurity:
    async def test_foreign_host_header_is_refused(self, hub: tuple[str, HubSettings]) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{url}/mcp",
                json=INITIALIZE,
                headers={**MCP_HEADERS, "Authorization": f"Bearer {key}", "Host": "evil.example"},
            )

        assert response.status_code == 421

    async def test_foreign_origin_is_refused(self, hub: tuple[str, HubSettings]) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{url}/mcp",
                json=INITIALIZE,
                headers={
                    **MCP_HEADERS,
                    "Authorization": f"Bearer {key}",
                    "Origin": "http://evil.example",
                },
            )

        assert response.status_code == 403

    async def test_cors_exposes_the_session_id_to_local_web_clients(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        origin = "http://localhost:6274"
        async with httpx.AsyncClient() as http:
            preflight = await http.options(
                f"{url}/mcp",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type, mcp-session-id",
                },
            )
            response = await http.post(
                f"{url}/mcp",
                json=INITIALIZE,
                headers={**MCP_HEADERS, "Authorization": f"Bearer {key}", "Origin": origin},
            )

        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert response.status_code == 200
        assert response.headers["mcp-session-id"]
        assert "mcp-session-id" in response.headers["access-control-expose-headers"].lower()


class TestDashboard:
    async def test_needs_a_key_outside_loopback_development(
        self, hub: tuple[str, HubSettings]
    ) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        async with httpx.AsyncClient(base_url=url) as http:
            anonymous = await http.get("/")
            page = await http.get("/", headers={"Accept": "text/html"})
            with_bearer = await http.get("/", headers={"Authorization": f"Bearer {key}"})
            wrong = await http.post("/login", data={"key": "thk_nope", "next": "/"})
            login = await http.post("/login", data={"key": key, "next": "//evil.example"})
            with_cookie = await http.get("/")
            probe = await http.get("/healthz")

        assert anonymous.status_code == 401
        assert page.status_code == 303
        assert page.headers["location"].startswith("/login?next=")
        assert with_bearer.status_code == 200
        assert with_bearer.text == "dashboard"
        assert wrong.status_code == 401
        assert login.status_code == 303
        assert login.headers["location"] == "/"
        assert "httponly" in login.headers["set-cookie"].lower()
        assert with_cookie.status_code == 200
        assert probe.status_code == 404  # open (no key asked), though this app has no probe

    async def test_usage_page_and_metrics(self, hub: tuple[str, HubSettings]) -> None:
        url, settings = hub
        key = await _key(settings, "read")
        async with http_client(url, key) as client:
            await client.call_tool("shop_health", {})
        async with httpx.AsyncClient(base_url=url) as http:
            anonymous = await http.get("/usage")
            page = await http.get("/usage", headers={"Authorization": f"Bearer {key}"})

        metrics = generate_latest(REGISTRY).decode()
        assert anonymous.status_code == 401
        assert page.status_code == 200
        assert 'data-testid="mcp-tool-usage"' in page.text
        assert "<td>shop_health</td>" in page.text
        assert 'data-testid="llm-usage"' in page.text
        assert 'testhub_mcp_tool_calls_total{outcome="ok",tool="shop_health"}' in metrics
        assert "testhub_mcp_tool_call_duration_seconds_bucket" in metrics

    async def test_open_on_loopback_in_development(self, tmp_path: Path, shop_url: str) -> None:
        settings = make_hub_settings(tmp_path, shop_url)
        app = Starlette(routes=[Route("/", _dashboard)])
        install_mcp(app, settings)
        with serve(app) as url:
            response = await asyncio.to_thread(httpx.get, f"{url}/")
            mcp = await asyncio.to_thread(
                httpx.post, f"{url}/mcp", json=INITIALIZE, headers=MCP_HEADERS
            )

        assert response.status_code == 200
        assert mcp.status_code == 401  # /mcp asks for a key everywhere


async def test_expired_key_is_refused(hub: tuple[str, HubSettings]) -> None:
    url, settings = hub
    expired = await _key(settings, "admin", created=datetime.now(UTC) - timedelta(days=2))

    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{url}/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {expired}"},
        )

    assert response.status_code == 401
