"""Prometheus metrics of the hub (`testhub_*`), served on the dashboard's /metrics.

A registry of its own: the hub may run in the same process as tests or the MCP server without
mixing with the shop's metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

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


@dataclass(frozen=True, slots=True)
class RecordedSnapshot:
    """Totals read from the hub database (every process's runs, not only this one's)."""

    runs: dict[str, int] = field(default_factory=dict)  # passed | failed
    tests: dict[str, int] = field(default_factory=dict)  # by outcome
    failures: dict[str, int] = field(default_factory=dict)  # by failure class
    heals: dict[str, int] = field(default_factory=dict)  # by status
    flaky: dict[str, int] = field(default_factory=dict)  # by suggestion
    last_run_timestamp: float | None = None


class RecordedCollector(Collector):
    """`testhub_recorded_*`, `testhub_flaky_tests` and `testhub_last_run_timestamp_seconds`.

    The dashboard's /metrics reads the store and sets `snapshot` just before each scrape
    (testhub.web.exposition); a process that never does exposes the families without samples.
    """

    def __init__(self) -> None:
        self.snapshot: RecordedSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        families = [
            ("testhub_recorded_runs", "result", ("passed", "failed"), "runs",
             "Test runs stored in the hub database by result (every process: CLI, CI, MCP)"),
            ("testhub_recorded_tests", "outcome", ("passed", "failed", "error", "skipped"),
             "tests", "Test results stored in the hub database by outcome"),
            ("testhub_recorded_test_failures", "failure_class", (), "failures",
             "Failed test results stored in the hub database by triage class"),
            ("testhub_recorded_heals", "status", ("healed", "refused", "applied"), "heals",
             "Heal attempts stored in the hub database by status"),
        ]  # fmt: skip
        for name, label, always, attribute, documentation in families:
            family = CounterMetricFamily(name, documentation, labels=[label])
            if snap is not None:
                counts: dict[str, int] = getattr(snap, attribute)
                for value in sorted(set(always) | set(counts), key=_listed_first(always)):
                    family.add_metric([value], counts.get(value, 0))
            yield family
        flaky = GaugeMetricFamily(
            "testhub_flaky_tests",
            "Tests by flakiness suggestion (quarantine, fix, watch) over the latest 30 runs",
            labels=["suggestion"],
        )
        last = GaugeMetricFamily(
            "testhub_last_run_timestamp_seconds", "Start of the latest stored run (Unix time)"
        )
        if snap is not None:
            for suggestion in ("quarantine", "fix", "watch"):
                flaky.add_metric([suggestion], snap.flaky.get(suggestion, 0))
            if snap.last_run_timestamp is not None:
                last.add_metric([], snap.last_run_timestamp)
        yield flaky
        yield last


def _listed_first(order: tuple[str, ...]) -> Callable[[str], tuple[int, str]]:
    return lambda value: (order.index(value) if value in order else len(order), value)


RECORDED = RecordedCollector()
REGISTRY.register(RECORDED)


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
