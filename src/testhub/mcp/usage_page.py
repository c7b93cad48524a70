"""The dashboard's usage page: MCP tool calls and latencies (from the audit log) and LLM tokens
and estimated cost per provider (from the hub store), with bar charts drawn as inline SVG."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse

from testhub.mcp.audit import ToolUsage
from testhub.mcp.runtime import McpRuntime
from testhub.store import repository

_BAR_WIDTH = 360


def _bars(rows: list[tuple[str, float, str]]) -> str:
    """A horizontal bar chart: label, value, and the value as shown."""
    if not rows:
        return "<p>No data yet.</p>"
    top = max(value for _, value, _ in rows) or 1.0
    height = 22
    parts = []
    for index, (label, value, shown) in enumerate(rows):
        y = index * height
        width = max(1, round(_BAR_WIDTH * value / top))
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
            f'<rect x="170" y="{y + 4}" width="{width}" height="14" fill="#3b6ea5"></rect>'
            f'<text x="{176 + width}" y="{y + 15}" font-size="12">{escape(shown)}</text>'
        )
    total_height = height * len(rows)
    return (
        f'<svg role="img" width="{_BAR_WIDTH + 260}" height="{total_height}" '
        f'viewBox="0 0 {_BAR_WIDTH + 260} {total_height}">{"".join(parts)}</svg>'
    )


def _tool_table(usage: list[ToolUsage]) -> str:
    rows = "".join(
        f"<tr><td>{escape(item.tool)}</td><td>{item.calls}</td><td>{item.errors}</td>"
        f"<td>{item.denied}</td><td>{item.mean_ms:.0f}</td><td>{item.max_ms:.0f}</td></tr>"
        for item in usage
    )
    return (
        '<table data-testid="mcp-tool-usage"><thead><tr><th>Tool</th><th>Calls</th>'
        "<th>Errors</th><th>Denied</th><th>Mean ms</th><th>Max ms</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def usage_page(runtime: McpRuntime) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def page(request: Request) -> HTMLResponse:
        days = request.query_params.get("days", "7")
        period = int(days) if days.isdigit() and 0 < int(days) <= 365 else 7
        since = datetime.now(UTC) - timedelta(days=period)
        tools = await runtime.audit.usage(since=since)
        async with runtime.database.session() as session:
            llm = await repository.llm_usage(session)
        llm_rows = "".join(
            f"<tr><td>{escape(str(row['provider']))}</td><td>{row['calls']}</td>"
            f"<td>{row['input_tokens']}</td><td>{row['output_tokens']}</td>"
            f"<td>${row['cost_usd']:.4f}</td></tr>"
            for row in llm
        )
        body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Testing hub — usage</title></head>
<body><main>
<h1>Usage</h1>
<p><a href="/">Dashboard</a> · last {period} days of MCP tool calls; LLM usage since the start.</p>
<h2>MCP tool calls</h2>
{_bars([(item.tool, item.calls, str(item.calls)) for item in tools])}
<h2>Mean latency (ms)</h2>
{_bars([(item.tool, item.mean_ms, f"{item.mean_ms:.0f} ms") for item in tools])}
{_tool_table(tools)}
<h2>LLM tokens and estimated cost, by provider</h2>
{_bars([(str(row["provider"]), float(row["cost_usd"]), f"${row['cost_usd']:.4f}") for row in llm])}
<table data-testid="llm-usage"><thead><tr><th>Provider</th><th>Calls</th><th>Input tokens</th>
<th>Output tokens</th><th>Cost</th></tr></thead><tbody>{llm_rows}</tbody></table>
</main></body></html>"""
        return HTMLResponse(body)

    return page
