from __future__ import annotations

from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database
from shop.mail import service
from shop.mail.service import MailContentError
from shop.models.jobs import OutboxJob
from tests.builders.mail import order_confirmation_context, order_shipped_context

HOSTILE = '<script>alert("x")</script> & Co'
EXPECTED_TEXT = """Hello Jane,

thank you for your order SW-1001 at Shopwright. We will let you know when it ships.

- Linen Shirt (Size M), SKU LIN-001-M: 2 x $19.99 = $39.98

Subtotal: $39.98
Shipping (Standard (3-5 days)): $9.99
Tax: $3.19
Total: $53.16

Shipping to:
Jane Doe
1 Main Street
62701 Springfield, IL
US

Your order: https://shop.example.com/orders/SW-1001
"""


class TestRender:
    def test_order_confirmation(self) -> None:
        subject, text, html = service.render("order_confirmation", order_confirmation_context())

        assert subject == "Order SW-1001 confirmed"
        assert text == EXPECTED_TEXT
        assert '<td style="padding:6px 4px;">LIN-001-M</td>' in html
        assert '<a href="https://shop.example.com/orders/SW-1001">View your order</a>' in html
        assert "$53.16" in html

    def test_discount_line_only_when_there_is_a_discount(self) -> None:
        context = order_confirmation_context()
        context["totals"]["discount"] = {"amount": 500, "currency": "USD"}

        _, text, html = service.render("order_confirmation", context)

        assert "Discount: -$5.00\n" in text
        assert "-$5.00" in html
        assert (
            "Discount" not in service.render("order_confirmation", order_confirmation_context())[1]
        )

    def test_hostile_product_name_is_escaped_in_html(self) -> None:
        context = order_confirmation_context(product_name=HOSTILE)

        _, text, html = service.render("order_confirmation", context)

        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
        assert "<script>" not in html
        # The text part is text/plain: shown as typed, nothing to escape.
        assert f"- {HOSTILE} (Size M), SKU LIN-001-M" in text

    def test_order_shipped(self) -> None:
        subject, text, html = service.render("order_shipped", order_shipped_context())

        assert subject == "Order SW-1001 has shipped"
        assert "Carrier: UPS\nTracking number: 1Z999AA10123456784\n" in text
        assert "Track your parcel: https://shop.example.com/orders/SW-1001\n" in text
        assert '<a href="https://shop.example.com/orders/SW-1001">Track your parcel</a>' in html

    def test_order_shipped_prefers_the_tracking_link(self) -> None:
        context = order_shipped_context(tracking_url="https://track.example.com/1Z9")

        _, text, html = service.render("order_shipped", context)

        assert "Track your parcel: https://track.example.com/1Z9\n" in text
        assert '<a href="https://track.example.com/1Z9">' in html

    def test_password_reset(self) -> None:
        context = {"reset_url": "https://shop.example.com/reset?token=abc", "expires_minutes": 30}

        subject, text, html = service.render("password_reset", context)

        assert subject == "Reset your Shopwright password"
        assert "within 30 minutes:\n\nhttps://shop.example.com/reset?token=abc\n" in text
        assert '<a href="https://shop.example.com/reset?token=abc">' in html

    def test_unknown_template(self) -> None:
        with pytest.raises(MailContentError, match="unknown mail template 'invoice'; known: "):
            service.render("invoice", {})

    def test_context_missing_a_field_names_it(self) -> None:
        context = order_confirmation_context()
        del context["totals"]

        with pytest.raises(MailContentError, match="totals: Field required"):
            service.render("order_confirmation", context)

    @pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "https://a b"])
    def test_links_must_be_http(self, url: str) -> None:
        with pytest.raises(MailContentError, match="order_url"):
            service.render("order_confirmation", order_confirmation_context(order_url=url))

    def test_subject_stays_on_one_line(self) -> None:
        context = order_shipped_context(order_number="SW-1\n2", order_url=None)

        subject, _, _ = service.render("order_shipped", context)

        assert subject == "Order SW-1 2 has shipped"


def _parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


class TestCompose:
    def test_headers_and_both_parts(self, mail_settings: Settings) -> None:
        message = service.compose(
            "jane@example.com",
            "order_confirmation",
            order_confirmation_context(),
            mail_settings,
            message_id="order-SW-1001-confirmation",
        )

        assert message["From"] == "Shopwright <shop@example.com>"
        assert message["To"] == "jane@example.com"
        assert message["Subject"] == "Order SW-1001 confirmed"
        assert message["Message-ID"] == "<order-SW-1001-confirmation@example.com>"
        assert message["Auto-Submitted"] == "auto-generated"
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None
        assert message.get_content_type() == "multipart/alternative"
        parts = _parts(message)
        assert parts["text/plain"] == EXPECTED_TEXT
        assert parts["text/html"].startswith("<!doctype html>")

    def test_same_idempotency_id_same_message_id(self, mail_settings: Settings) -> None:
        context = order_confirmation_context()
        first = service.compose(
            "a@example.com",
            "order_confirmation",
            context,
            mail_settings,
            message_id="order-SW-1001-confirmation",
        )
        second = service.compose(
            "a@example.com",
            "order_confirmation",
            context,
            mail_settings,
            message_id="order-SW-1001-confirmation",
        )

        assert first["Message-ID"] == second["Message-ID"]

    def test_without_idempotency_id_a_unique_message_id(self, mail_settings: Settings) -> None:
        context = order_confirmation_context()
        first = service.compose("a@example.com", "order_confirmation", context, mail_settings)
        second = service.compose("a@example.com", "order_confirmation", context, mail_settings)

        assert first["Message-ID"] != second["Message-ID"]
        assert str(first["Message-ID"]).endswith("@example.com>")

    @pytest.mark.parametrize("to", ["not-an-address", "a@example.com\r\nBcc: x@evil.test", ""])
    def test_rejects_a_bad_recipient(self, mail_settings: Settings, to: str) -> None:
        with pytest.raises(MailContentError, match="recipient"):
            service.compose(to, "order_shipped", order_shipped_context(), mail_settings)

    @pytest.mark.parametrize("message_id", ["", "has space", "x" * 101, "<brackets>", "-lead"])
    def test_rejects_a_bad_message_id(self, mail_settings: Settings, message_id: str) -> None:
        with pytest.raises(MailContentError, match="message id"):
            service.compose(
                "a@example.com",
                "order_shipped",
                order_shipped_context(),
                mail_settings,
                message_id=message_id,
            )


async def stored_jobs(database: Database) -> list[tuple[str, dict[str, Any]]]:
    async with database.read() as session:
        rows = await session.execute(select(OutboxJob.topic, OutboxJob.payload))
        return [(topic, payload) for topic, payload in rows]


async def enqueue_then_fail(database: Database) -> None:
    async with database.transaction() as session:
        await service.enqueue_mail(
            session,
            to="jane@example.com",
            template="order_shipped",
            context=order_shipped_context(),
            message_id="order-SW-1001-shipped",
        )
        raise RuntimeError("the shipment could not be saved")


class TestEnqueueMail:
    async def test_writes_a_mail_send_job(self, database: Database) -> None:
        context = order_confirmation_context()
        async with database.transaction() as session:
            await service.enqueue_mail(
                session,
                to="jane@example.com",
                template="order_confirmation",
                context=context,
                message_id="order-SW-1001-confirmation",
            )

        assert await stored_jobs(database) == [
            (
                "mail.send",
                {
                    "to": "jane@example.com",
                    "template": "order_confirmation",
                    "context": context,
                    "message_id": "order-SW-1001-confirmation",
                },
            )
        ]

    async def test_rolled_back_transaction_sends_nothing(self, database: Database) -> None:
        with pytest.raises(RuntimeError):
            await enqueue_then_fail(database)

        assert await stored_jobs(database) == []

    @pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
    async def test_bad_context_fails_the_caller_and_writes_nothing(
        self, session: AsyncSession
    ) -> None:
        with pytest.raises(MailContentError, match="carrier: Field required"):
            await service.enqueue_mail(
                session,
                to="jane@example.com",
                template="order_shipped",
                context={"order_number": "SW-1", "tracking_number": "1Z"},
                message_id="order-SW-1-shipped",
            )
        assert list(session.new) == []
