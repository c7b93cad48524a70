"""The MCP tools, by group: shop, browser, tests, api, data."""
