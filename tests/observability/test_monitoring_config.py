"""The monitoring configuration checked offline: promtool on the rules and their unit tests,
amtool on Alertmanager's routing, and the Grafana dashboards' structure."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.observability.monitoring_files import (
    MONITORING,
    OPERATIONS,
    RULE_TESTS,
    RULES,
    alert_rules,
    dashboards,
    hub_sample_names,
    operations_anchors,
    panel_queries,
    panels,
    shop_sample_names,
)
from tests.observability.promql import KUBERNETES_METRICS, metric_names

EXPORTER_PREFIXES = ("node_", "pg_", "redis_")
RUNBOOK_BASE = "https://github.com/shopwright/shopwright/blob/main/docs/operations.md#"
EXPECTED_DASHBOARDS = {
    "executive-summary",
    "application-performance",
    "infrastructure",
    "ai-testing-insights",
    "security",
    "cost-and-resources",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: scripts/bootstrap.sh services installs it")
    return path


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def known_metric(name: str) -> bool:
    return (
        name in shop_sample_names()
        or name in hub_sample_names()
        or name in KUBERNETES_METRICS
        or name == "up"
        or name.startswith(EXPORTER_PREFIXES)  # checked against live exporters (integration)
    )


class TestRules:
    def test_promtool_accepts_the_rules_and_the_config(self) -> None:
        checked = run(tool("promtool"), "check", "rules", str(RULES))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        config = run(tool("promtool"), "check", "config", str(MONITORING / "prometheus.yml"))
        assert config.returncode == 0, config.stdout + config.stderr

    def test_promtool_unit_tests_pass(self) -> None:
        tested = run(tool("promtool"), "test", "rules", str(RULE_TESTS))
        assert tested.returncode == 0, tested.stdout + tested.stderr
        assert "SUCCESS" in tested.stdout

    def test_every_alert_has_a_firing_and_a_quiet_unit_test(self) -> None:
        cases: dict[str, set[str]] = defaultdict(set)
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
            for case in test["alert_rule_test"]:
                cases[case["alertname"]].add("fires" if case["exp_alerts"] else "quiet")

        assert {rule["alert"]: cases[rule["alert"]] for rule in alert_rules()} == {
            rule["alert"]: {"fires", "quiet"} for rule in alert_rules()
        }

    def test_the_seed_guides_alerts_are_covered(self) -> None:
        names = {rule["alert"] for rule in alert_rules()}
        assert {
            "ShopServiceDown",
            "ShopHighErrorRate",
            "ShopPageLatencyHigh",
            "ShopApiLatencyHigh",
            "ShopDatabaseConnectionsHigh",
            "PostgresDown",
            "RedisDown",
            "RedisMemoryHigh",
            "PaymentGatewayErrors",
            "OrderProcessingErrors",
            "LowInventory",
            "SuspiciousLoginFailures",
            "RateLimitingActive",
            "HighCpuUsage",
            "HighMemoryUsage",
            "DiskSpaceLow",
        } <= names

    @pytest.mark.parametrize("rule", alert_rules(), ids=lambda rule: rule["alert"])
    def test_alert_is_documented_and_reads_real_metrics(self, rule: dict[str, object]) -> None:
        labels = rule["labels"]
        annotations = rule["annotations"]
        assert isinstance(labels, dict)
        assert isinstance(annotations, dict)
        assert labels["severity"] in {"critical", "warning"}
        assert annotations["summary"]
        runbook = str(annotations["runbook_url"])
        assert runbook.startswith(RUNBOOK_BASE)
        assert runbook.removeprefix(RUNBOOK_BASE) in operations_anchors()
        unknown = {name for name in metric_names(str(rule["expr"])) if not known_metric(name)}
        assert not unknown


class TestDocumentation:
    def test_every_shop_metric_is_in_the_reference(self) -> None:
        text = OPERATIONS.read_text()
        missing = {
            name
            for name in shop_sample_names()
            if f"`{re.sub(r'_(bucket|sum|count)$', '', name)}`" not in text
        }
        assert not missing


class TestAlertmanager:
    @pytest.mark.parametrize(
        ("labels", "receiver"),
        [
            ("severity=critical", "pagerduty-and-slack"),
            ("severity=warning", "slack-and-email"),
        ],
    )
    def test_routes_by_severity(self, labels: str, receiver: str) -> None:
        config = str(MONITORING / "alertmanager.yml")
        checked = run(tool("amtool"), "check-config", config)
        assert checked.returncode == 0, checked.stdout + checked.stderr

        routed = run(tool("amtool"), "config", "routes", "test", f"--config.file={config}", labels)

        assert routed.returncode == 0, routed.stderr
        assert routed.stdout.strip() == receiver

    def test_receivers_read_their_secrets_from_files(self) -> None:
        document = yaml.safe_load((MONITORING / "alertmanager.yml").read_text())
        receivers = {r["name"]: r for r in document["receivers"]}
        critical = receivers["pagerduty-and-slack"]
        warning = receivers["slack-and-email"]

        assert {"pagerduty_configs", "slack_configs"} <= critical.keys()
        assert {"slack_configs", "email_configs"} <= warning.keys()
        assert critical["pagerduty_configs"][0]["routing_key_file"].startswith(
            "/etc/alertmanager/secrets/"
        )
        assert document["global"]["slack_api_url_file"].startswith("/etc/alertmanager/secrets/")
        text = (MONITORING / "alertmanager.yml").read_text()
        assert not re.search(r"hooks\.slack\.com|routing_key:|auth_password:", text)


class TestDashboards:
    def test_the_six_dashboards_exist_with_unique_uids(self) -> None:
        boards = dashboards()
        assert set(boards) == EXPECTED_DASHBOARDS
        assert len({board["uid"] for board in boards.values()}) == len(boards)

    @pytest.mark.parametrize("name", sorted(EXPECTED_DASHBOARDS))
    def test_structure(self, name: str) -> None:
        board = dashboards()[name]
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        ids = [panel["id"] for panel in panels(board)]
        assert len(ids) == len(set(ids))
        assert ids
        for panel in panels(board):
            where = f"{name}: {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, where
            assert panel["targets"], where
            assert panel["fieldConfig"]["defaults"].get("unit"), where
            grid = panel["gridPos"]
            assert min(grid["w"], grid["h"]) > 0, where
            assert grid["x"] + grid["w"] <= 24, where
            ref_ids = [target["refId"] for target in panel["targets"]]
            assert len(ref_ids) == len(set(ref_ids)), where
            for target in panel["targets"]:
                assert target["expr"].strip(), where
                assert target.get("datasource", panel["datasource"])["uid"] == "${datasource}"

    def test_every_query_reads_metrics_that_exist(self) -> None:
        unknown = {
            (board, title, name)
            for board, title, expr in panel_queries()
            for name in metric_names(expr)
            if not known_metric(name)
        }
        assert not unknown

    def test_queries_are_valid_promql(self, tmp_path: Path) -> None:
        # promtool parses expressions inside rule files: every panel query becomes a rule.
        queries = [expr for _, _, expr in panel_queries()]
        rules = tmp_path / "panels.yml"
        rules.write_text(
            yaml.safe_dump(
                {
                    "groups": [
                        {
                            "name": "panels",
                            "rules": [
                                {"record": f"panel:query{n}", "expr": expr}
                                for n, expr in enumerate(queries)
                            ],
                        }
                    ]
                }
            )
        )

        checked = run(tool("promtool"), "check", "rules", str(rules))

        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert f"{len(queries)} rules found" in checked.stdout

    def test_hub_metrics_are_listed_in_operations(self) -> None:
        text = (MONITORING.parent.parent / "docs" / "operations.md").read_text()
        hub = {name for _, _, expr in panel_queries() for name in metric_names(expr)}
        hub = {name for name in hub if name.startswith("testhub_")}
        assert hub
        assert all(f"`{re.sub(r'_(bucket|sum|count)$', '', name)}`" in text for name in hub)

    def test_provisioning_points_at_the_dashboards(self) -> None:
        provider = yaml.safe_load(
            (MONITORING / "grafana" / "provisioning" / "dashboards" / "shopwright.yml").read_text()
        )
        datasource = yaml.safe_load(
            (MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
        )
        assert provider["providers"][0]["type"] == "file"
        assert datasource["datasources"][0]["type"] == "prometheus"
