"""The hub's own database: runs, per-test results, heals, generations and LLM calls.

SQLite under var/ by default, PostgreSQL when `TESTHUB_DATABASE_URL` says so. Tables are created
on first use from `Base.metadata`; other hub modules (MCP keys, audit) add their tables to it.
"""
