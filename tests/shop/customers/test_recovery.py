from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import password_reset
from shop.config import Settings
from shop.customers import recovery
from shop.mail import service as mail_service
from shop.models.jobs import OutboxJob
from tests.builders.accounts import create_user

IP = "203.0.113.7"


async def mail_jobs(session: AsyncSession) -> list[OutboxJob]:
    result = await session.scalars(
        select(OutboxJob).where(OutboxJob.topic == mail_service.SEND_TOPIC).order_by(OutboxJob.id)
    )
    return list(result)


class TestSendResetLink:
    async def test_mails_a_link_that_resets(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        user = await create_user(session, first_name="Ada", last_name="King")

        await recovery.send_reset_link(
            session, email=user.email, client_ip=IP, settings=service_settings
        )

        [job] = await mail_jobs(session)
        assert job.payload["to"] == user.email
        assert job.payload["template"] == "password_reset"
        context = job.payload["context"]
        assert context["expires_minutes"] == 30
        assert context["customer_name"] == "Ada King"
        prefix = service_settings.public_url.rstrip("/") + "/password/reset/"
        assert context["reset_url"].startswith(prefix)
        token = context["reset_url"].removeprefix(prefix)
        assert await recovery.link_is_usable(session, token)
        subject, text, _ = mail_service.render("password_reset", context)
        assert subject == "Reset your Shopwright password"
        assert context["reset_url"] in text
        await recovery.reset_password(session, token=token, password="violet tram 42 plinth")
        assert not await recovery.link_is_usable(session, token)

    async def test_unknown_email_sends_nothing(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        await recovery.send_reset_link(
            session, email="nobody@example.com", client_ip=IP, settings=service_settings
        )

        assert await mail_jobs(session) == []

    async def test_rate_limited_by_address(
        self, session: AsyncSession, service_settings: Settings
    ) -> None:
        for number in range(password_reset.MAX_REQUESTS_PER_IP):
            await recovery.send_reset_link(
                session, email=f"n{number}@example.com", client_ip=IP, settings=service_settings
            )

        with pytest.raises(password_reset.TooManyPasswordResets):
            await recovery.send_reset_link(
                session, email="n@example.com", client_ip=IP, settings=service_settings
            )
