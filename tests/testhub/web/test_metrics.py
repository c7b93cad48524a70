"""/metrics: the hub registry, testhub_* metrics of the default registry, and totals read from
the store."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from testhub import metrics
from testhub.mcp import usage
from testhub.store.database import HubDatabase
from tests.testhub.analytics.history import NOW, seed_history
from tests.testhub.web.conftest import loopback_client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_recorded_totals_and_flakiness_from_the_store(
    web: httpx.AsyncClient, hub_database: HubDatabase
) -> None:
    await seed_history(hub_database, runs=12)

    response = await web.get("/metrics")

    samples = _samples(response.text)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert samples[("testhub_recorded_runs_total", (("result", "failed"),))] == 8
    assert samples[("testhub_recorded_runs_total", (("result", "passed"),))] == 4
    assert samples[("testhub_recorded_tests_total", (("outcome", "error"),))] == 5
    assert samples[("testhub_recorded_tests_total", (("outcome", "failed"),))] == 6
    assert samples[("testhub_recorded_tests_total", (("outcome", "passed"),))] == 25
    assert samples[("testhub_recorded_test_failures_total", (("failure_class", "timing"),))] == 6
    assert samples[("testhub_recorded_heals_total", (("status", "refused"),))] == 2
    assert samples[("testhub_recorded_heals_total", (("status", "applied"),))] == 0
    assert samples[("testhub_flaky_tests", (("suggestion", "quarantine"),))] == 1
    assert samples[("testhub_flaky_tests", (("suggestion", "fix"),))] == 1
    assert samples[("testhub_flaky_tests", (("suggestion", "watch"),))] == 0
    assert samples[("testhub_last_run_timestamp_seconds", ())] == NOW.timestamp() - 3600


@pytest.fixture
async def sqlite_web(sqlite_dashboard: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with loopback_client(sqlite_dashboard) as client:
        yield client


async def test_in_process_counters_and_mcp_usage_are_exposed(sqlite_web: httpx.AsyncClient) -> None:
    web = sqlite_web
    before = _samples((await web.get("/metrics")).text)
    metrics.record_run({"passed": 3, "failed": 1}, 42.0, [{"failure_class": "timing"}])
    metrics.record_generation("offline", ok=False)
    usage.observe_tool_call("tests_run", "ok", 0.5)

    after = _samples((await web.get("/metrics")).text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert delta("testhub_runs_total", result="failed") == 1
    assert delta("testhub_tests_total", outcome="passed") == 3
    assert delta("testhub_test_failures_total", failure_class="timing") == 1
    assert delta("testhub_run_duration_seconds_count") == 1
    assert delta("testhub_generations_total", engine="offline", result="failed") == 1
    assert delta("testhub_mcp_tool_calls_total", tool="tests_run", outcome="ok") == 1


async def test_only_hub_metrics_are_served(sqlite_web: httpx.AsyncClient) -> None:
    text = (await sqlite_web.get("/metrics")).text

    names = {family.name for family in text_string_to_metric_families(text)}
    assert names, "no metric served"
    assert all(name.startswith("testhub_") for name in names), sorted(names)
    assert len(names) == len(list(text_string_to_metric_families(text)))  # no duplicates
