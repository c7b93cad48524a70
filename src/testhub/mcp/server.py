"""The MCP server: tools (shop, browser, tests, api, data), resources and prompts."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from testhub.mcp import prompts, resources
from testhub.mcp.guard import ToolRegistry
from testhub.mcp.http import key_auth
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.tools import api, browser, data, shop, tests

INSTRUCTIONS = """\
Shopwright's testing hub. Inspect the shop (shop_*), drive a real browser (browser_open, then
browser_snapshot / browser_act by ref), turn user stories into pytest-playwright tests and run them
(stories_list, tests_generate, tests_run, run_report, failure_triage), review self-healed locators
(heals_list, heal_apply), fuzz the JSON API (api_fuzz) and prepare test data (data_create,
data_reset; test shops only). Amounts are integer minor units (cents)."""


def build_server(
    runtime: McpRuntime, *, http_public_url: str | None = None
) -> tuple[MCPServer[Any], ToolRegistry]:
    """The server for stdio or in-process use; with `http_public_url`, for HTTP behind API keys."""

    auth, verifier = (
        key_auth(runtime, public_url=http_public_url) if http_public_url else (None, None)
    )
    server: MCPServer[Any] = MCPServer(
        name="shopwright-testhub",
        title="Shopwright testing hub",
        instructions=INSTRUCTIONS,
        version="0.1.0",
        log_level="WARNING",
        auth=auth,
        token_verifier=verifier,
    )
    tools = ToolRegistry(server, runtime)
    for group in (shop, browser, tests, api, data):
        group.register(tools)
    resources.register(server, runtime)
    prompts.register(server)
    return server, tools
