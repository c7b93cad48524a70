"""The hub's alert rules pass promtool (syntax and unit tests), and every testhub_* metric that the
rules and the "AI testing insights" dashboard read is one the hub really serves on /metrics."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI

from testhub import metrics
from testhub.mcp import usage  # noqa: F401 (registers the MCP usage metrics the hub serves)
from tests.testhub.analytics.history import seed_history
from tests.testhub.web.conftest import loopback_client

MONITORING = Path(__file__).resolve().parents[3] / "deploy" / "monitoring"
RULES = MONITORING / "rules" / "testhub.rules.yml"
RULE_TESTS = sorted((MONITORING / "tests").glob("testhub*.yml"))
DASHBOARD = MONITORING / "grafana" / "dashboards" / "ai-testing-insights.json"
METRIC_NAME = re.compile(r"\btesthub_[a-z0-9_]+")


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is required when CI=true (Debian package prometheus)")
        pytest.skip("promtool is not installed")
    return found


def test_rules_are_valid() -> None:
    result = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_rule_unit_tests_pass() -> None:
    assert RULE_TESTS, "no deploy/monitoring/tests/testhub*.yml"
    result = subprocess.run(
        [_promtool(), "test", "rules", *(path.name for path in RULE_TESTS)],
        cwd=RULE_TESTS[0].parent,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_firing_and_quiet() -> None:
    alerts = re.findall(r"^\s*- alert: (\w+)", RULES.read_text(), re.M)
    tests = "\n".join(path.read_text() for path in RULE_TESTS)

    for alert in alerts:
        assert f"alertname: {alert}\n    exp_alerts:\n    - exp_labels" in tests, alert
        assert re.search(rf"- eval_time: \w+\n    alertname: {alert}\n    exp_alerts: \[\]", tests)


@pytest.fixture
async def served_names(sqlite_dashboard: FastAPI) -> set[str]:
    """Series names /metrics serves, histograms expanded to their _bucket/_sum/_count."""
    await seed_history(sqlite_dashboard.state.hub.database, runs=3)
    metrics.record_llm_call(
        "offline", ok=True, input_tokens=1, output_tokens=1, cost=0.0, seconds=0.1
    )
    async with loopback_client(sqlite_dashboard) as client:
        text = (await client.get("/metrics")).text
    names: set[str] = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        names.add(name)
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


async def test_rules_read_only_served_metrics(served_names: set[str]) -> None:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    expressions = [rule["expr"] for group in groups for rule in group["rules"]]
    used = {name for expr in expressions for name in METRIC_NAME.findall(expr)}

    assert used, "the rules read no testhub_* metric"
    assert used <= served_names, sorted(used - served_names)


async def test_dashboard_reads_only_served_metrics(served_names: set[str]) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    used = {name for expr in expressions for name in METRIC_NAME.findall(expr)}

    assert "testhub_recorded_tests_total" in used
    assert used <= served_names, sorted(used - served_names)


async def test_served_names_come_from_a_real_scrape(served_names: set[str]) -> None:
    # Guards the two tests above against an empty or mis-parsed scrape.
    assert {"testhub_runs_total", "testhub_recorded_tests_total", "testhub_flaky_tests"} <= (
        served_names
    )
    assert not any(name.startswith(("python_", "process_")) for name in served_names)


def test_every_alert_has_a_runbook_in_operations() -> None:
    operations = (MONITORING.parents[1] / "docs" / "operations.md").read_text()
    headings = set(re.findall(r"^#### (\w+)$", operations, re.M))
    groups = yaml.safe_load(RULES.read_text())["groups"]

    for rule in (rule for group in groups for rule in group["rules"]):
        anchor = rule["annotations"]["runbook_url"].rsplit("#", 1)[1]
        assert anchor == rule["alert"].lower()
        assert rule["alert"] in headings, rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
