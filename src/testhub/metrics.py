"""Prometheus metrics of the hub (`testhub_*`), served on the dashboard's /metrics.

A registry of its own: the hub may run in the same process as tests or the MCP server without
mixing with the shop's metrics.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

RUNS = Counter("testhub_runs_total", "Test runs by result", ["result"], registry=REGISTRY)
TESTS = Counter("testhub_tests_total", "Tests executed by outcome", ["outcome"], registry=REGISTRY)
FAILURES = Counter(
    "testhub_test_failures_total",
    "Failed tests by triage class",
    ["failure_class"],
    registry=REGISTRY,
)
RUN_DURATION = Histogram(
    "testhub_run_duration_seconds",
    "Duration of a test run",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800),
    registry=REGISTRY,
)
HEALS = Counter("testhub_heals_total", "Heal attempts by status", ["status"], registry=REGISTRY)
GENERATIONS = Counter(
    "testhub_generations_total",
    "Test generations by engine and result",
    ["engine", "result"],
    registry=REGISTRY,
)
LLM_CALLS = Counter(
    "testhub_llm_calls_total",
    "LLM calls by provider and result",
    ["provider", "result"],
    registry=REGISTRY,
)
LLM_TOKENS = Counter(
    "testhub_llm_tokens_total",
    "LLM tokens by provider and direction",
    ["provider", "direction"],
    registry=REGISTRY,
)
LLM_COST = Counter(
    "testhub_llm_cost_usd_total",
    "Estimated LLM cost in US dollars",
    ["provider"],
    registry=REGISTRY,
)
LLM_DURATION = Histogram(
    "testhub_llm_call_duration_seconds", "LLM call latency", ["provider"], registry=REGISTRY
)


def record_run(counts: dict[str, int], duration: float, results: list[dict[str, Any]]) -> None:
    RUNS.labels("failed" if counts.get("failed") or counts.get("error") else "passed").inc()
    RUN_DURATION.observe(duration)
    for outcome, count in counts.items():
        TESTS.labels(outcome).inc(count)
    for result in results:
        if result.get("failure_class"):
            FAILURES.labels(result["failure_class"]).inc()
        for heal in result.get("heals") or []:
            HEALS.labels(heal["status"]).inc()


def record_generation(engine: str, *, ok: bool) -> None:
    GENERATIONS.labels(engine, "ok" if ok else "failed").inc()


def record_llm_call(
    provider: str, *, ok: bool, input_tokens: int, output_tokens: int, cost: float, seconds: float
) -> None:
    LLM_CALLS.labels(provider, "ok" if ok else "failed").inc()
    LLM_TOKENS.labels(provider, "input").inc(input_tokens)
    LLM_TOKENS.labels(provider, "output").inc(output_tokens)
    LLM_COST.labels(provider).inc(cost)
    LLM_DURATION.labels(provider).observe(seconds)
