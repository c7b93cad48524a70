"""Prometheus metrics of the MCP server: tool calls by outcome and their latency, on the hub's
registry (its /metrics), beside the LLM token and cost metrics of testhub.metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from testhub.metrics import REGISTRY

TOOL_CALLS = Counter(
    "testhub_mcp_tool_calls_total",
    "MCP tool calls, by tool and outcome (ok, error, denied)",
    ["tool", "outcome"],
    registry=REGISTRY,
)
TOOL_DURATION = Histogram(
    "testhub_mcp_tool_call_duration_seconds",
    "Duration of MCP tool calls",
    ["tool"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)


def observe_tool_call(tool: str, outcome: str, seconds: float) -> None:
    TOOL_CALLS.labels(tool=tool, outcome=outcome).inc()
    TOOL_DURATION.labels(tool=tool).observe(seconds)
