"""Shopwright's AI testing hub: stories to tests, self-healing, triage, analytics and an MCP server.

It never imports `shop`: it reaches a shop only over HTTP and a real browser.
"""
