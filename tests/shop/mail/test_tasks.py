from __future__ import annotations

import logging
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from shop.config import Settings
from shop.db.session import Database
from shop.jobs import service as jobs_service
from shop.jobs.registry import load_all
from shop.jobs.runner import Worker
from shop.mail import service
from shop.models.jobs import OutboxJob
from tests.builders.mail import order_confirmation_context


def sent(mail_dir: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(mail_dir.glob("*.eml")):
        with path.open("rb") as file:
            parsed = BytesParser(policy=policy.default).parse(file)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


async def enqueue_confirmation(database: Database, *, to: str = "jane@example.com") -> None:
    async with database.transaction() as session:
        await service.enqueue_mail(
            session,
            to=to,
            template="order_confirmation",
            context=order_confirmation_context(),
            message_id="order-SW-1001-confirmation",
        )


async def the_job(database: Database) -> OutboxJob:
    async with database.read() as session:
        [job] = list(await session.scalars(select(OutboxJob)))
        session.expunge_all()
    return job


class FailingSender:
    async def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError(f"550 mailbox {message['To']} unavailable")


class TestSendMail:
    async def test_sends_the_mail_after_commit(
        self, database: Database, app_settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        await enqueue_confirmation(database)
        worker = Worker(database, app_settings, registry=load_all())

        with caplog.at_level(logging.INFO):
            assert await worker.run_once() == 1

        [message] = sent(app_settings.mail_dir)
        assert message["To"] == "jane@example.com"
        assert message["Subject"] == "Order SW-1001 confirmed"
        assert message["Message-ID"] == "<order-SW-1001-confirmation@example.com>"
        assert "j***@example.com" in caplog.text
        assert "jane@example.com" not in caplog.text
        assert (await the_job(database)).done_at is not None

    async def test_a_repeated_job_sends_once(
        self, database: Database, app_settings: Settings
    ) -> None:
        # As if the worker died after sending but before marking the job done.
        await enqueue_confirmation(database)
        await enqueue_confirmation(database)

        assert await Worker(database, app_settings, registry=load_all()).run_once() == 2

        assert len(sent(app_settings.mail_dir)) == 1

    async def test_transport_failure_is_retried_without_the_address(
        self, database: Database, app_settings: Settings
    ) -> None:
        await enqueue_confirmation(database)
        worker = Worker(database, app_settings, registry=load_all(), mail_sender=FailingSender())

        assert await worker.run_once() == 1

        job = await the_job(database)
        assert (job.attempts, job.done_at) == (1, None)
        assert job.last_error == "ConnectionRefusedError: 550 mailbox j***@example.com unavailable"
        assert job.run_after - job.created_at >= timedelta(seconds=30)

    async def test_malformed_job_stops_at_once(
        self, database: Database, app_settings: Settings
    ) -> None:
        async with database.transaction() as session:
            await jobs_service.enqueue(session, "mail.send", {"to": "jane@example.com"})

        assert await Worker(database, app_settings, registry=load_all()).run_once() == 1

        job = await the_job(database)
        assert (job.attempts, job.done_at) == (jobs_service.MAX_ATTEMPTS, None)
        assert job.last_error == "PermanentJobError: malformed mail job: 'template'"
        assert sent(app_settings.mail_dir) == []
