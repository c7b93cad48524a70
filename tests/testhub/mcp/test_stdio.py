"""`testhub mcp` over stdio, spawned and driven by the SDK's stdio client."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp import Client, StdioServerParameters

from testhub.config import PROJECT_ROOT

TESTHUB = str(Path(sys.executable).with_name("testhub"))


def _parameters(tmp_path: Path, shop_url: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=TESTHUB,
        args=["mcp"],
        cwd=str(PROJECT_ROOT),
        env={
            "TESTHUB_BASE_URL": shop_url,
            "TESTHUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
            "TESTHUB_VAR_DIR": str(tmp_path / "var"),
            "TESTHUB_MCP_LOCAL_SCOPES": "read,run",
        },
    )


async def test_stdio_session(tmp_path: Path, shop_url: str) -> None:
    async with Client(_parameters(tmp_path, shop_url), mode="legacy") as client:
        tools = {tool.name for tool in (await client.list_tools()).tools}
        health = await client.call_tool("shop_health", {})
        denied = await client.call_tool("data_reset", {})
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}

    assert {"shop_search", "browser_open", "tests_run", "api_fuzz", "data_create"} <= tools
    assert not health.is_error
    assert health.structured_content is not None
    assert health.structured_content["test_mode"] is True
    assert denied.is_error
    assert "needs the 'admin' scope; this key has: read,run" in denied.content[0].text  # type: ignore[union-attr]
    assert prompts == {"test_user_story", "investigate_failing_test", "explore_checkout_for_bugs"}


async def test_stdio_with_the_current_protocol(tmp_path: Path, shop_url: str) -> None:
    async with Client(_parameters(tmp_path, shop_url)) as client:
        result = await client.call_tool("shop_search", {"limit": 2})

    assert not result.is_error
    assert result.structured_content is not None
    assert len(result.structured_content["products"]) == 2
