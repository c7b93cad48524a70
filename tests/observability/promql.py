"""The metric names a PromQL expression reads (enough of PromQL for our dashboards and rules)."""

from __future__ import annotations

import re

_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")

# Kubernetes metrics (cAdvisor in the kubelet, kube-state-metrics, CloudNativePG's exporter):
# they cannot exist here, so queries reading them are checked against this list instead of a
# live Prometheus.
KUBERNETES_METRICS = frozenset(
    {
        "cnpg_collector_up",
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "kube_pod_container_resource_requests",
        "kube_pod_container_status_restarts_total",
        "kube_deployment_status_replicas",
    }
)


def metric_names(expr: str) -> set[str]:
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*\s*\(?", text):
        token = match.group(0)
        if token.endswith("("):
            continue  # a function or aggregation
        name = token.strip()
        if name.lower() in _KEYWORDS or re.fullmatch(r"\d.*", name):
            continue
        names.add(name)
    return names


def base_name(sample_name: str) -> str:
    """`x_bucket`, `x_sum`, `x_count` -> `x` (the histogram); others unchanged."""
    return re.sub(r"_(bucket|sum|count)$", "", sample_name)
