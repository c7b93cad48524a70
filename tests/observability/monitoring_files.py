"""Where the monitoring files are, and what they contain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import yaml
from prometheus_client import REGISTRY
from prometheus_client.registry import Collector

from shop.config import PROJECT_ROOT
from shop.observability import metrics as _shop_metrics  # noqa: F401 (registers the metrics)

MONITORING = PROJECT_ROOT / "deploy" / "monitoring"
RULES = MONITORING / "rules" / "shop.rules.yml"
RULE_TESTS = MONITORING / "tests" / "shop.rules.test.yml"
DASHBOARDS = MONITORING / "grafana" / "dashboards"
OPERATIONS = PROJECT_ROOT / "docs" / "operations.md"

_SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}


def sample_names(registry: Collector, prefix: str) -> set[str]:
    """Every sample name the registry's metrics produce (with or without label children yet)."""
    names = set()
    for family in registry.collect():
        if family.name.startswith(prefix):
            names |= {family.name + suffix for suffix in _SUFFIXES.get(family.type, [""])}
    return names


def shop_sample_names() -> set[str]:
    return sample_names(REGISTRY, "shop_")


def hub_sample_names() -> set[str]:
    from testhub import metrics as hub_metrics

    return sample_names(hub_metrics.REGISTRY, "testhub_")


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"] if "alert" in rule]


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def panel_queries() -> Iterator[tuple[str, str, str]]:
    """(dashboard, panel title, expression) of every query of every panel."""
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel.get("targets", []):
                yield name, panel["title"], target["expr"]


def operations_anchors() -> set[str]:
    """GitHub's anchors of the headings of docs/operations.md."""
    anchors = set()
    for line in OPERATIONS.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            slug = "".join(c for c in title if c.isalnum() or c in " -_").replace(" ", "-")
            anchors.add(slug)
    return anchors
