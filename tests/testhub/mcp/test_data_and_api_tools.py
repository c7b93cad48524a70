"""Data tools against the live test shop, their guardrails, and api_fuzz against a live API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from testhub.config import HubSettings
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.tools.data import DEFAULT_CUSTOMER_PASSWORD
from testhub.shopapi import ShopApi
from tests.fakes.stripe_server import ServerThread
from tests.testhub.mcp.conftest import InProcessClient
from tests.testhub.mcp.test_shop_tools import call


class TestDataCreate:
    async def test_customer_can_sign_in_with_the_published_password(
        self, client: InProcessClient, shop_url: str
    ) -> None:
        created = await call(client, "data_create", kind="customer", first_name="Ada")

        async with httpx.AsyncClient(base_url=shop_url) as http:
            login = await http.post(
                "/api/v1/auth/login",
                json={"email": created["reference"], "password": DEFAULT_CUSTOMER_PASSWORD},
            )
        assert created["kind"] == "customer"
        assert created["details"]["first_name"] == "Ada"
        assert login.status_code == 200
        assert "password" not in str(created)

    async def test_product_is_active_with_its_stock(self, client: InProcessClient) -> None:
        created = await call(client, "data_create", kind="product", price=2599, stock=3)

        product = await call(client, "shop_product", reference=created["reference"])

        assert product["variants"][0]["sku"] == created["details"]["sku"]
        assert product["variants"][0]["price"] == {"amount": 2599, "currency": "USD"}
        assert product["in_stock"] is True

    async def test_coupon(self, client: InProcessClient, settings: HubSettings) -> None:
        created = await call(
            client, "data_create", kind="coupon", coupon_kind="fixed", amount_off=700
        )

        api = ShopApi.from_settings(settings)
        coupons = api._call("GET", "/api/v1/admin/coupons", admin=True, params={"limit": 100})
        api.close()
        items = coupons["items"] if isinstance(coupons, dict) else coupons
        found = next(item for item in items if item["code"] == created["reference"])
        assert found["kind"] == "fixed"
        assert found["amount_off"]["amount"] == 700

    async def test_shop_errors_reach_the_assistant(self, client: InProcessClient) -> None:
        first = await call(client, "data_create", kind="coupon", code="MCPDUPLICATE")
        again = await client.call_tool("data_create", {"kind": "coupon", "code": "MCPDUPLICATE"})

        assert first["reference"] == "MCPDUPLICATE"
        assert again.is_error
        assert "409" in again.content[0].text or "422" in again.content[0].text  # type: ignore[union-attr]


class TestGuardrails:
    async def test_production_shop_is_refused_without_a_request(
        self, client: InProcessClient, runtime: McpRuntime
    ) -> None:
        result = await client.call_tool("data_reset", {"base_url": "https://shop.example.com"})

        assert result.is_error
        assert "looks like a production shop" in result.content[0].text  # type: ignore[union-attr]
        entry = (await runtime.audit.recent(limit=1))[0]
        assert (entry.tool, entry.outcome) == ("data_reset", "denied")

    async def test_a_shop_outside_test_mode_is_refused(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        result = await client.call_tool(
            "data_create", {"kind": "customer", "base_url": contract_shop}
        )

        assert result.is_error
        assert "not in test mode" in result.content[0].text  # type: ignore[union-attr]


class TestDataReset:
    async def test_reset_removes_created_data_and_reseeds(self, client: InProcessClient) -> None:
        created = await call(client, "data_create", kind="product")

        reset = await call(client, "data_reset")
        gone = await client.call_tool("shop_product", {"reference": created["reference"]})

        assert reset["deleted"]
        assert reset["seeded"]
        assert sum(reset["seeded"].values()) > 0
        assert gone.is_error
        assert (await call(client, "shop_search", limit=1))["total"] > 0


def _buggy_api() -> Starlette:
    """An API whose document promises more than it keeps: /boom always fails with a 500."""
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "buggy", "version": "1"},
        "paths": {
            "/api/v1/ok/{n}": {
                "get": {
                    "parameters": [
                        {"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"n": {"type": "integer"}},
                                        "required": ["n"],
                                    }
                                }
                            },
                        },
                        "422": {"description": "bad"},
                    },
                }
            },
            "/api/v1/boom": {"get": {"responses": {"200": {"description": "never"}}}},
            "/api/v1/test/reset": {"post": {"responses": {"200": {"description": "wipe"}}}},
        },
    }
    wiped: list[bool] = []

    async def openapi(_: Request) -> JSONResponse:
        return JSONResponse(document)

    async def ok(request: Request) -> JSONResponse:
        value = request.path_params["n"]
        if not value.lstrip("-").isdigit():
            return JSONResponse({"detail": "n"}, status_code=422)
        return JSONResponse({"n": int(value)})

    async def boom(_: Request) -> JSONResponse:
        return JSONResponse({"detail": "crash"}, status_code=500)

    async def reset(_: Request) -> JSONResponse:
        wiped.append(True)
        return JSONResponse({})

    app = Starlette(
        routes=[
            Route("/api/v1/openapi.json", openapi),
            Route("/api/v1/ok/{n}", ok),
            Route("/api/v1/boom", boom),
            Route("/api/v1/test/reset", reset, methods=["POST"]),
        ]
    )
    app.state.wiped = wiped
    return app


@pytest.fixture(scope="module")
def buggy_api() -> Iterator[tuple[str, Starlette]]:
    app = _buggy_api()
    server = ServerThread(app).start()
    yield server.url, app
    server.stop()


class TestApiFuzz:
    async def test_finds_the_500_with_a_curl_command_and_never_touches_test_endpoints(
        self, client: InProcessClient, buggy_api: tuple[str, Starlette]
    ) -> None:
        url, app = buggy_api

        result = await call(
            client,
            "api_fuzz",
            base_url=url,
            max_examples=20,
            max_seconds=60,
            checks="server_errors",
        )

        assert result["operations"] == 2
        assert 2 <= result["examples"] <= 20
        assert [failure["operation"] for failure in result["failures"]] == ["GET /api/v1/boom"]
        failure = result["failures"][0]
        assert failure["status_code"] == 500
        assert failure["curl"].startswith("curl")
        assert f"{url}/api/v1/boom" in failure["curl"]
        assert app.state.wiped == []

    async def test_filters_and_the_count_bound(
        self, client: InProcessClient, buggy_api: tuple[str, Starlette]
    ) -> None:
        url, _ = buggy_api

        result = await call(
            client, "api_fuzz", base_url=url, path_regex="^/api/v1/ok", max_examples=5
        )

        assert result["operations"] == 1
        assert result["examples"] <= 5
        assert result["failures"] == []

    async def test_the_live_shop_catalog_holds_its_contract(self, client: InProcessClient) -> None:
        result = await call(
            client,
            "api_fuzz",
            path_regex="^/api/v1/(products|categories|brands)",
            methods=["GET"],
            max_examples=30,
            max_seconds=60,
        )

        assert result["operations"] >= 3
        assert result["failures"] == [], result["failures"]

    async def test_the_time_bound(
        self, client: InProcessClient, buggy_api: tuple[str, Starlette]
    ) -> None:
        url, _ = buggy_api

        result = await call(client, "api_fuzz", base_url=url, max_examples=1000, max_seconds=1)

        assert result["seconds"] < 10

    async def test_no_document_is_a_tool_error(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        result = await client.call_tool("api_fuzz", {"base_url": contract_shop})

        assert result.is_error
        assert "OpenAPI" in result.content[0].text  # type: ignore[union-attr]
