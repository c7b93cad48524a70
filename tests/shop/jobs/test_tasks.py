from __future__ import annotations

import importlib
import sys
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.mail.files import FileMailSender
from shop.jobs import tasks
from shop.jobs.registry import JobContext, load_all
from shop.kit.clock import utcnow
from shop.models.carts import Cart
from shop.models.jobs import OutboxJob


@pytest.fixture
def context(database: Database, app_settings: Settings) -> JobContext:
    return JobContext(database, app_settings, FileMailSender(app_settings.mail_dir))


class TestRegistration:
    def test_load_all_knows_the_topics_and_periodic_tasks(self) -> None:
        registry = load_all()

        assert "mail.send" in registry.handlers
        assert {"jobs.purge_done", "carts.remove_idle", "checkout.reconcile"} <= set(
            registry.periodic
        )
        assert registry.periodic["carts.remove_idle"].every == timedelta(minutes=30)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
class TestRemoveIdleCarts:
    async def test_calls_the_carts_service_with_the_configured_age(
        self, context: JobContext, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        calls: list[tuple[AsyncSession, timedelta]] = []

        async def remove_idle_carts(session: AsyncSession, *, older_than: timedelta) -> int:
            calls.append((session, older_than))
            return 3

        carts_service = ModuleType("shop.carts.service")
        carts_service.remove_idle_carts = remove_idle_carts  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "shop.carts.service", carts_service)

        await tasks.remove_idle_carts(context)

        assert [older_than for _, older_than in calls] == [timedelta(days=7)]

    async def test_removes_carts_idle_longer_than_the_setting(
        self, database: Database, context: JobContext
    ) -> None:
        now = utcnow()
        async with database.transaction() as session:
            for token, idle_days in (("a", 8), ("b", 6)):
                session.add(
                    Cart(
                        token_hash=token * 64,
                        currency="USD",
                        created_at=now - timedelta(days=idle_days),
                        updated_at=now - timedelta(days=idle_days),
                    )
                )

        await tasks.remove_idle_carts(context)

        async with database.read() as session:
            kept = list(await session.scalars(select(Cart.token_hash)))
        assert kept == ["b" * 64]

    async def test_skipped_while_the_carts_service_lacks_the_function(
        self, context: JobContext, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "shop.carts.service", ModuleType("shop.carts.service"))

        await tasks.remove_idle_carts(context)  # no error

    async def test_skipped_while_there_is_no_carts_service(
        self, context: JobContext, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # None in sys.modules makes the import fail with ModuleNotFoundError for that name.
        monkeypatch.setitem(sys.modules, "shop.carts.service", None)

        await tasks.remove_idle_carts(context)  # no error

    async def test_a_broken_carts_module_is_not_hidden(
        self, context: JobContext, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(name: str, *args: Any) -> ModuleType:
            raise ModuleNotFoundError("No module named 'stripe_v99'", name="stripe_v99")

        monkeypatch.setattr(importlib, "import_module", broken)

        with pytest.raises(ModuleNotFoundError, match="stripe_v99"):
            await tasks.remove_idle_carts(context)


class TestPurgeDoneJobs:
    async def test_removes_jobs_finished_over_a_week_ago(
        self, database: Database, context: JobContext
    ) -> None:
        now = utcnow()
        async with database.transaction() as session:
            for done_days_ago in (8, 6, None):
                session.add(
                    OutboxJob(
                        topic="test.record",
                        payload={"days": done_days_ago},
                        created_at=now - timedelta(days=10),
                        run_after=now - timedelta(days=10),
                        attempts=1,
                        done_at=None
                        if done_days_ago is None
                        else now - timedelta(days=done_days_ago),
                    )
                )

        await tasks.purge_done_jobs(context)

        async with database.read() as session:
            kept = list(await session.scalars(select(OutboxJob.payload).order_by(OutboxJob.id)))
        assert kept == [{"days": 6}, {"days": None}]
