"""Shop tools against a live shop in test mode, through an in-process MCP client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from testhub.config import HubSettings
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.server import build_server
from testhub.shopapi import ShopApi, unique_email
from tests.testhub.mcp.conftest import InProcessClient, make_hub_settings

EVERY_TOOL = {
    "shop_search": "read",
    "shop_product": "read",
    "shop_order": "read",
    "shop_health": "read",
    "browser_open": "run",
    "browser_snapshot": "run",
    "browser_act": "run",
    "browser_screenshot": "run",
    "browser_close": "run",
    "api_fuzz": "run",
    "data_create": "admin",
    "data_reset": "admin",
    "stories_list": "read",
    "tests_generate": "run",
    "tests_run": "run",
    "run_report": "read",
    "failure_triage": "read",
    "heals_list": "read",
    "heal_apply": "admin",
}


async def call(client: InProcessClient, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


class TestListing:
    async def test_every_tool_is_listed_with_its_scope_and_a_schema(
        self, client: InProcessClient
    ) -> None:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}

        assert set(tools) == set(EVERY_TOOL)
        for name, scope in EVERY_TOOL.items():
            assert f"Needs the '{scope}' scope." in (tools[name].description or "")
            assert tools[name].input_schema["type"] == "object"
        assert tools["shop_search"].output_schema is not None
        assert tools["data_reset"].annotations is not None
        assert tools["data_reset"].annotations.destructive_hint is True
        assert tools["shop_health"].annotations is not None
        assert tools["shop_health"].annotations.read_only_hint is True


class TestShopSearch:
    async def test_finds_demo_products_with_prices_in_minor_units(
        self, client: InProcessClient, shop_url: str
    ) -> None:
        everything = await call(client, "shop_search", limit=5)
        first = everything["products"][0]

        found = await call(client, "shop_search", query=first["name"].split()[0], limit=50)

        assert everything["total"] >= 5
        assert len(everything["products"]) == 5
        assert isinstance(first["price"]["amount"], int)
        assert first["url"] == f"{shop_url}/products/{first['slug']}"
        assert first["slug"] in {product["slug"] for product in found["products"]}

    async def test_limit_is_bounded(self, client: InProcessClient) -> None:
        result = await client.call_tool("shop_search", {"limit": 500})

        assert result.is_error
        assert "limit" in result.content[0].text  # type: ignore[union-attr]


class TestShopProduct:
    async def test_product_with_variants(self, client: InProcessClient) -> None:
        slug = (await call(client, "shop_search", limit=1))["products"][0]["slug"]

        product = await call(client, "shop_product", reference=slug)

        assert product["slug"] == slug
        assert product["variants"]
        assert all(v["sku"] for v in product["variants"])
        assert all(isinstance(v["price"]["amount"], int) for v in product["variants"])

    async def test_unknown_product_is_a_tool_error_with_the_shops_answer(
        self, client: InProcessClient
    ) -> None:
        result = await client.call_tool("shop_product", {"reference": "no-such-product-xyz"})

        assert result.is_error
        assert "404" in result.content[0].text  # type: ignore[union-attr]


class TestShopOrder:
    async def test_order_with_lines_and_totals(
        self, client: InProcessClient, settings: HubSettings
    ) -> None:
        api = ShopApi.from_settings(settings)
        slug = (await call(client, "shop_search", limit=1))["products"][0]["slug"]
        email = unique_email("mcp-order")
        number = api.place_order(slug, quantity=2, email=email)
        api.close()

        order = await call(client, "shop_order", number=number)

        assert order["number"] == number
        assert order["email"] == email
        assert sum(line["quantity"] for line in order["lines"]) == 2
        totals = order["totals"]
        assert totals["total"]["amount"] == (
            totals["subtotal"]["amount"]
            - totals["discount"]["amount"]
            + totals["shipping"]["amount"]
            + totals["tax"]["amount"]
        )

    async def test_bad_number_is_refused_before_calling_the_shop(
        self, client: InProcessClient
    ) -> None:
        result = await client.call_tool("shop_order", {"number": "../admin"})

        assert result.is_error


class TestShopHealth:
    async def test_live_ready_and_in_test_mode(
        self, client: InProcessClient, shop_url: str
    ) -> None:
        health = await call(client, "shop_health")

        assert health["base_url"] == shop_url
        assert health["live"]
        assert health["ready"]
        assert health["test_mode"]
        assert health["checks"]["database"] == "ok"
        assert health["latency_ms"] is not None

    async def test_unreachable_shop(self, client: InProcessClient) -> None:
        health = await call(client, "shop_health", base_url="http://127.0.0.1:9")

        assert not health["live"]
        assert not health["ready"]
        assert health["latency_ms"] is None


class TestAudit:
    async def test_every_call_is_audited_with_masked_arguments(
        self, client: InProcessClient, runtime: McpRuntime
    ) -> None:
        await client.call_tool("shop_search", {"query": "thk_AbCd1234_" + "q" * 43, "limit": 1})
        await client.call_tool("shop_product", {"reference": "no-such-product-xyz"})

        entries = await runtime.audit.recent(limit=2)

        product, search = entries
        assert (search.tool, search.outcome, search.principal) == ("shop_search", "ok", "local")
        assert "thk_" not in search.arguments
        assert "[redacted]" in search.arguments
        assert (product.tool, product.outcome) == ("shop_product", "error")
        assert product.error
        assert "404" in product.error
        assert product.duration_ms > 0


async def test_local_scopes_limit_stdio_users(tmp_path: Path, shop_url: str) -> None:
    runtime = McpRuntime.from_settings(
        make_hub_settings(tmp_path, shop_url, mcp_local_scopes="read")
    )
    server, _ = build_server(runtime)
    try:
        async with Client(server) as client:
            allowed = await client.call_tool("shop_health", {})
            denied = await client.call_tool("data_reset", {})
    finally:
        await runtime.aclose()

    assert not allowed.is_error
    assert denied.is_error
    assert "needs the 'admin' scope; this key has: read" in denied.content[0].text  # type: ignore[union-attr]
