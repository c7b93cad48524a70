"""`/metrics`: the hub's registry (testhub.metrics) and the `testhub_*` metrics other hub modules
register on the default registry (MCP usage).

The in-process counters only see what ran in this process (runs started through MCP,
generations, LLM calls). `testhub run` from a shell or CI is another process, so before each
scrape the store's totals are read into `metrics.RECORDED` (`testhub_recorded_*`, flaky tests,
the latest run): those count what is stored, whichever process stored it; the test failure rate
alert reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from testhub import metrics
from testhub.analytics import flakiness, queries
from testhub.store.database import HubDatabase

FLAKY_WINDOW_RUNS = 30
PREFIX = "testhub_"


class _HubFamiliesOfDefaultRegistry(Collector):
    def collect(self) -> Iterator[Metric]:
        for family in DEFAULT_REGISTRY.collect():
            if family.name.startswith(PREFIX):
                yield family


_OTHERS = CollectorRegistry(auto_describe=False)
_OTHERS.register(_HubFamiliesOfDefaultRegistry())


async def read_snapshot(database: HubDatabase) -> metrics.RecordedSnapshot:
    async with database.session() as session:
        totals = await queries.recorded_totals(session)
        histories = await queries.outcome_histories(session, runs=FLAKY_WINDOW_RUNS)
    flaky = Counter(test.suggestion.value for test in flakiness.rank(histories))
    return metrics.RecordedSnapshot(
        runs=totals.runs,
        tests=totals.tests,
        failures=totals.failures,
        heals=totals.heals,
        flaky=dict(flaky),
        last_run_timestamp=totals.last_run_at.timestamp() if totals.last_run_at else None,
    )


async def render(database: HubDatabase) -> bytes:
    metrics.RECORDED.snapshot = await read_snapshot(database)
    return generate_latest(metrics.REGISTRY) + generate_latest(_OTHERS)
