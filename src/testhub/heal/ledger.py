"""Heal events written by a test process (JSON lines) and read back by the runner."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(slots=True)
class HealEvent:
    nodeid: str
    test_file: str
    line: int | None
    step_key: str
    original_locator: str
    status: str  # healed | refused
    reason: str
    healed_locator: str | None = None
    score: float | None = None
    runner_up_score: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    patch: str | None = None
    healed_truth: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def append_event(path: Path, event: HealEvent) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(event.to_json() + "\n")


def read_events(path: Path) -> list[HealEvent]:
    if not path.is_file():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            events.append(HealEvent(**json.loads(line)))
    return events


class FingerprintStore:
    """Fingerprints recorded on passing steps, per test file, keyed by step key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, dict[str, Any]] = (
            json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        )

    def get(self, key: str) -> dict[str, Any] | None:
        return self._data.get(key)

    def put(self, key: str, fingerprint: dict[str, Any]) -> None:
        if self._data.get(key) == fingerprint:
            return
        self._data[key] = fingerprint
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self._data, indent=1, sort_keys=True), encoding="utf-8")
