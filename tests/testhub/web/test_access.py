"""Who may see the dashboard: loopback in development by default; the API-key check of
testhub.mcp in front of it when installed (the default of `create_hub_app`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request

from testhub.mcp.keys.store import KeyStore
from testhub.mcp.scopes import parse_scopes
from testhub.store.database import HubDatabase
from testhub.web.access import REFUSAL
from testhub.web.app import create_hub_app
from tests.testhub.web.conftest import HTML, hub_settings_for, loopback_client

REMOTE = "203.0.113.9"


class TestLoopbackOnlyByDefault:
    async def test_a_loopback_client_in_development_is_let_in(
        self, sqlite_dashboard: FastAPI
    ) -> None:
        async with loopback_client(sqlite_dashboard) as client:
            page = await client.get("/", headers=HTML)
            metrics = await client.get("/metrics")

        assert (page.status_code, metrics.status_code) == (200, 200)

    async def test_another_client_is_refused_everything_but_the_probes(
        self, sqlite_dashboard: FastAPI
    ) -> None:
        async with loopback_client(sqlite_dashboard, client=REMOTE) as client:
            page = await client.get("/flaky", headers=HTML)
            metrics = await client.get("/metrics")
            health = await client.get("/healthz")
            ready = await client.get("/readyz")

        assert page.status_code == 403
        assert REFUSAL.split("`")[0] in page.text
        assert metrics.status_code == 403
        assert metrics.headers["content-type"] == "application/problem+json"
        assert (health.status_code, ready.status_code) == (200, 200)
        assert ready.json() == {"status": "ok", "database": "ok"}

    @pytest.mark.parametrize(
        "overrides",
        [{"env": "production"}, {"env": "test"}, {"host": "0.0.0.0"}],  # noqa: S104
    )
    async def test_loopback_is_not_enough_outside_development_or_when_bound_wide(
        self, tmp_path: Path, sqlite_database: HubDatabase, overrides: dict[str, str]
    ) -> None:
        app = create_hub_app(
            hub_settings_for(tmp_path, **overrides), database=sqlite_database, with_mcp=False
        )

        async with loopback_client(app) as client:
            response = await client.get("/", headers=HTML)

        assert response.status_code == 403

    async def test_the_policy_is_a_hook(self, sqlite_dashboard: FastAPI) -> None:
        async def header_policy(request: Request) -> bool:
            return request.headers.get("x-team") == "qa"

        sqlite_dashboard.state.access_policy = header_policy
        async with loopback_client(sqlite_dashboard, client=REMOTE) as client:
            allowed = await client.get("/heals", headers={**HTML, "x-team": "qa"})
            refused = await client.get("/heals", headers=HTML)

        assert (allowed.status_code, refused.status_code) == (200, 403)


class TestWithApiKeys:
    """`create_hub_app` as `testhub serve` builds it: /mcp mounted, keys checked in front."""

    @pytest.fixture
    def hub(self, tmp_path: Path, sqlite_database: HubDatabase) -> FastAPI:
        return create_hub_app(hub_settings_for(tmp_path), database=sqlite_database)

    async def test_remote_clients_need_a_key(
        self, hub: FastAPI, sqlite_database: HubDatabase
    ) -> None:
        issued = await KeyStore(sqlite_database).create(
            name="grafana", scopes=parse_scopes("read"), expires_in=None
        )
        bearer = {"authorization": f"Bearer {issued.token}"}

        async with loopback_client(hub, client=REMOTE) as client:
            page = await client.get("/", headers=HTML)
            metrics = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"authorization": "Bearer thk_nope"})
            keyed_page = await client.get("/", headers={**HTML, **bearer})
            keyed_metrics = await client.get("/metrics", headers=bearer)
            health = await client.get("/healthz")

        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/"
        assert (metrics.status_code, wrong.status_code) == (401, 401)
        assert keyed_page.status_code == 200
        assert "Overview" in keyed_page.text
        assert keyed_metrics.status_code == 200
        assert "testhub_recorded_runs_total" in keyed_metrics.text
        assert health.status_code == 200
        # The key check's own answers carry the security headers too.
        assert metrics.headers["x-frame-options"] == "DENY"

    async def test_loopback_development_stays_open_and_mcp_asks_for_a_key(
        self, hub: FastAPI
    ) -> None:
        async with loopback_client(hub) as client:
            page = await client.get("/", headers=HTML)
            mcp = await client.post(
                "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                headers={"accept": "application/json, text/event-stream"},
            )

        assert page.status_code == 200
        assert mcp.status_code == 401


async def test_httpx_default_client_is_loopback(sqlite_dashboard: FastAPI) -> None:
    transport = httpx.ASGITransport(app=sqlite_dashboard)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        assert (await client.get("/", headers=HTML)).status_code == 200
