"""Fixtures of the outbox and worker tests: a private handler registry, a frozen clock."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.mail.files import FileMailSender
from shop.jobs import service as jobs_service
from shop.jobs.registry import JobContext, Registry
from shop.jobs.runner import Worker
from shop.kit.clock import utcnow
from tests.builders.accounts import FrozenClock
from tests.conftest import make_settings

TOPIC = "test.record"
WorkerFactory = Callable[..., Worker]


class Recorder:
    """A handler that counts its runs by payload key and fails the first `failures` times."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.failures = 0
        self.delay = 0.0
        self.error: Exception = RuntimeError("boom")
        self.ran = asyncio.Event()

    async def __call__(self, ctx: JobContext, payload: dict[str, Any]) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        self.runs[str(payload["key"])] += 1
        self.ran.set()


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    # No worker in the app: these tests run their own workers against the same database.
    return make_settings(database_url, tmp_path / "var", worker_in_process=False)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def registry(recorder: Recorder) -> Registry:
    own = Registry()
    own.register(TOPIC)(recorder)
    return own


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """One frozen time for enqueue and the workers; `advance` moves both."""
    frozen = FrozenClock(utcnow().replace(microsecond=0))
    monkeypatch.setattr(jobs_service, "utcnow", frozen)
    return frozen


@pytest.fixture
def make_worker(
    database: Database, app_settings: Settings, registry: Registry, clock: FrozenClock
) -> WorkerFactory:
    def build(**options: Any) -> Worker:
        options.setdefault("registry", registry)
        options.setdefault("clock", clock)
        options.setdefault("mail_sender", FileMailSender(app_settings.mail_dir))
        return Worker(options.pop("database", database), app_settings, **options)

    return build
