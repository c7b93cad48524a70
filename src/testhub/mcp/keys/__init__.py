"""API keys for the hub's HTTP surfaces (MCP at `/mcp`, the dashboard): hashed at rest, scoped,
expiring, rotatable and revocable."""
