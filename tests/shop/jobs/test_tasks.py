from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from shop.carts import tasks as carts_tasks
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

        await carts_tasks.remove_idle_carts(context)

        async with database.read() as session:
            kept = list(await session.scalars(select(Cart.token_hash)))
        assert kept == ["b" * 64]


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
