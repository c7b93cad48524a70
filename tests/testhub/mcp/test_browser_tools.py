"""Browser tools: open, snapshot (full, diff, budget), act by ref, screenshot, close — against the
hub's contract-following test shop."""

from __future__ import annotations

import base64
import re
from typing import Any

from mcp_types import ImageContent

from tests.testhub.mcp.conftest import InProcessClient
from tests.testhub.mcp.test_shop_tools import call


def _ref(text: str, pattern: str) -> str:
    """The ref on the first snapshot line matching `pattern`."""
    for line in text.splitlines():
        if re.search(pattern, line):
            match = re.search(r"\[ref=([^\]]+)\]", line)
            if match:
                return match.group(1)
    raise AssertionError(f"no line with a ref matches {pattern!r} in:\n{text}")


async def _open(
    client: InProcessClient, contract_shop: str, url: str = "/", **extra: Any
) -> dict[str, Any]:
    return await call(client, "browser_open", base_url=contract_shop, url=url, **extra)


class TestOpenAndSnapshot:
    async def test_home_page_snapshot_has_refs_test_ids_and_links(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        page = await _open(client, contract_shop)

        assert page["url"] == f"{contract_shop}/"
        assert page["title"] == "Shopwright"
        assert "testid=product-grid" in page["text"] or "product-grid" in page["text"]
        assert '"Trail Parka"' in page["text"]
        assert "/products/trail-parka" in page["text"]
        assert "[ref=" in page["text"]
        assert page["diff"] is None

    async def test_budget_cuts_the_text(self, client: InProcessClient, contract_shop: str) -> None:
        await _open(client, contract_shop)

        small = await call(client, "browser_snapshot", budget_chars=500)

        assert len(small["text"]) <= 500
        assert small["truncated"] is True

    async def test_diff_mode_without_change(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        await _open(client, contract_shop)

        again = await call(client, "browser_snapshot", mode="diff")

        assert again["diff"] == "no change"
        assert again["text"] == "no change"

    async def test_reopening_reuses_the_sessions_browser(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        first = await _open(client, contract_shop)
        second = await _open(client, contract_shop, url="/search?q=lamp")

        assert first["browser_id"] == second["browser_id"]
        assert second["url"].endswith("/search?q=lamp")

    async def test_only_http_pages(self, client: InProcessClient, contract_shop: str) -> None:
        result = await client.call_tool(
            "browser_open", {"base_url": contract_shop, "url": "file:///etc/passwd"}
        )

        assert result.is_error
        assert "only http(s)" in result.content[0].text  # type: ignore[union-attr]


class TestAct:
    async def test_click_a_link_then_fill_and_submit_the_search(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        home = await _open(client, contract_shop)

        product = await call(
            client, "browser_act", action="click", ref=_ref(home["text"], '"Desk Lamp"')
        )
        full = await call(client, "browser_snapshot")
        filled = await call(
            client,
            "browser_act",
            action="fill",
            ref=_ref(full["text"], "searchbox"),
            value="socks",
        )
        searched = await call(
            client,
            "browser_act",
            action="press",
            ref=_ref(full["text"], "searchbox"),
            value="Enter",
        )

        assert product["url"].endswith("/products/desk-lamp")
        assert "url:" in product["diff"]
        assert "Desk Lamp" in product["diff"]
        assert filled["url"].endswith("/products/desk-lamp")
        assert searched["url"].endswith("/search?q=socks")
        assert "Wool Socks" in searched["diff"]

    async def test_select_a_variant_and_add_to_cart(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        page = await _open(client, contract_shop, url="/products/trail-parka")

        await call(
            client,
            "browser_act",
            action="select",
            ref=_ref(page["text"], "combobox"),
            value="L / Red",
        )
        added = await call(
            client, "browser_act", action="click", ref=_ref(page["text"], '"Add to cart"')
        )

        assert added["url"].endswith("/cart")
        assert "Trail Parka (L / Red)" in added["diff"]

    async def test_unknown_ref_and_missing_value_are_tool_errors(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        page = await _open(client, contract_shop)

        unknown = await client.call_tool("browser_act", {"action": "click", "ref": "e99999"})
        no_value = await client.call_tool(
            "browser_act", {"action": "fill", "ref": _ref(page["text"], "searchbox")}
        )

        assert unknown.is_error
        assert "not in the latest snapshot" in unknown.content[0].text  # type: ignore[union-attr]
        assert no_value.is_error
        assert "fill needs a value" in no_value.content[0].text  # type: ignore[union-attr]


class TestScreenshotAndClose:
    async def test_png_screenshot_then_close(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        await _open(client, contract_shop)

        shot = await client.call_tool("browser_screenshot", {"full_page": True})
        closed = await call(client, "browser_close")
        after = await client.call_tool("browser_snapshot", {})

        image = shot.content[0]
        assert isinstance(image, ImageContent)
        assert image.mime_type == "image/png"
        assert base64.b64decode(image.data).startswith(b"\x89PNG")
        assert closed["browser_id"]
        assert after.is_error
        assert "browser_open first" in after.content[0].text  # type: ignore[union-attr]

    async def test_console_errors_are_reported(
        self, client: InProcessClient, contract_shop: str
    ) -> None:
        page = await _open(client, contract_shop, url="/console-error")

        assert any("totals is undefined" in error for error in page["console_errors"])
