"""`/metrics`: the hub's registry (testhub.metrics), the `testhub_*` metrics other hub modules
register on the default registry (MCP usage), and totals read from the hub database at scrape
time.

The in-process counters only see what ran in this process (runs started through MCP,
generations, LLM calls). `testhub run` from a shell or CI is another process, so the
`testhub_recorded_*` families count what is stored, whichever process stored it; the test failure
rate alert reads those.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from testhub import metrics
from testhub.analytics import flakiness, queries
from testhub.analytics.flakiness import Suggestion
from testhub.analytics.queries import RecordedTotals
from testhub.store.database import HubDatabase

FLAKY_WINDOW_RUNS = 30
PREFIX = "testhub_"


class _Families(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def _hub_families_of_default_registry() -> Iterator[Metric]:
    for family in DEFAULT_REGISTRY.collect():
        if family.name.startswith(PREFIX):
            yield family


def recorded_families(totals: RecordedTotals, flaky: dict[Suggestion, int]) -> list[Metric]:
    runs = CounterMetricFamily(
        "testhub_recorded_runs",
        "Test runs stored in the hub database, by result (every process: CLI, CI, MCP)",
        labels=["result"],
    )
    for result in ("passed", "failed"):
        runs.add_metric([result], totals.runs.get(result, 0))
    tests = CounterMetricFamily(
        "testhub_recorded_tests",
        "Test results stored in the hub database, by outcome",
        labels=["outcome"],
    )
    for outcome in ("passed", "failed", "error", "skipped"):
        tests.add_metric([outcome], totals.tests.get(outcome, 0))
    failures = CounterMetricFamily(
        "testhub_recorded_test_failures",
        "Failed test results stored in the hub database, by triage class",
        labels=["failure_class"],
    )
    for name, count in sorted(totals.failures.items()):
        failures.add_metric([name], count)
    heals = CounterMetricFamily(
        "testhub_recorded_heals",
        "Heal attempts stored in the hub database, by status",
        labels=["status"],
    )
    for status in ("healed", "refused", "applied"):
        heals.add_metric([status], totals.heals.get(status, 0))
    flaky_gauge = GaugeMetricFamily(
        "testhub_flaky_tests",
        f"Tests by flakiness suggestion over the latest {FLAKY_WINDOW_RUNS} runs",
        labels=["suggestion"],
    )
    for suggestion in (Suggestion.QUARANTINE, Suggestion.FIX, Suggestion.WATCH):
        flaky_gauge.add_metric([suggestion.value], flaky.get(suggestion, 0))
    families: list[Metric] = [runs, tests, failures, heals, flaky_gauge]
    if totals.last_run_at is not None:
        last = GaugeMetricFamily(
            "testhub_last_run_timestamp_seconds", "Start of the latest stored run (Unix time)"
        )
        last.add_metric([], totals.last_run_at.timestamp())
        families.append(last)
    return families


async def render(database: HubDatabase) -> bytes:
    async with database.session() as session:
        totals = await queries.recorded_totals(session)
        histories = await queries.outcome_histories(session, runs=FLAKY_WINDOW_RUNS)
    flaky: dict[Suggestion, int] = {}
    for test in flakiness.rank(histories):
        flaky[test.suggestion] = flaky.get(test.suggestion, 0) + 1
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Families(recorded_families(totals, flaky)))
    snapshot.register(_Families(_hub_families_of_default_registry()))
    return generate_latest(metrics.REGISTRY) + generate_latest(snapshot)
