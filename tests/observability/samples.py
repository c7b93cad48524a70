"""Reading metric values: from this process's registry (in-process apps) or from /metrics text."""

from __future__ import annotations

from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from shop.observability.tally import TALLY

Labels = frozenset[tuple[str, str]]


def value(name: str, **labels: str) -> float:
    """The current value of a sample of this process's registry; 0 when it does not exist.
    The HTTP series are published in batches: this process's are published first."""
    TALLY.publish()
    found = REGISTRY.get_sample_value(name, labels)
    return found if found is not None else 0.0


def parse(text: str) -> dict[tuple[str, Labels], float]:
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def total(samples: dict[tuple[str, Labels], float], name: str, **labels: str) -> float:
    """Sum of the samples named `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def label_values(samples: dict[tuple[str, Labels], float], name: str, label: str) -> set[str]:
    return {dict(ls)[label] for (n, ls), _ in samples.items() if n == name and label in dict(ls)}
