"""The whole payment path against the real sandbox on its own port: record, commit, call the
provider, record the outcome; then its signed webhook, received and applied once."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.payments.base import (
    GatewayResult,
    GatewayStatus,
    NotificationKind,
    RefundStatus,
)
from shop.integrations.payments.sandbox import SandboxGateway
from shop.payments import service
from tests.builders.payments import create_order
from tests.fakes.webhook_receiver import SANDBOX_TEST_SECRET, SandboxServer


class TestSandboxPaymentPath:
    async def test_async_capture_reported_by_webhook_is_applied_once(
        self, shared_database: Database, settings: Settings, payments_sandbox: SandboxServer
    ) -> None:
        database = shared_database
        settings = settings.model_copy(
            update={"sandbox_webhook_secret": SecretStr(SANDBOX_TEST_SECRET)}
        )
        async with database.transaction() as session:
            order = await create_order(session, total=3100)
            payment = await service.create_payment(
                session, order_id=order.id, provider="sandbox", amount=3100, currency="USD"
            )
        async with httpx.AsyncClient() as http:
            gateway = SandboxGateway(http, base_url=payments_sandbox.url)

            async def authorize() -> GatewayResult:
                return await gateway.authorize(
                    amount=3100,
                    currency="USD",
                    token="tok_asyncCapture",
                    idempotency_key=service.authorization_key(payment),
                    metadata=service.payment_metadata(payment),
                )

            result = await authorize()
            # A retry after a lost answer replays the outcome: one payment at the provider.
            assert await authorize() == result
        assert result.status is GatewayStatus.AUTHORIZED
        assert result.reference is not None
        async with database.transaction() as session:
            recorded = await service.record_authorization(session, payment.id, result)
        assert recorded.status == "authorized"

        [delivery] = await payments_sandbox.receiver.wait_for(result.reference)

        async def receive() -> object:
            async with database.transaction() as session:
                return await service.receive_webhook(
                    session,
                    provider="sandbox",
                    headers=delivery.headers,
                    body=delivery.body,
                    settings=settings,
                )

        first, *replays = await asyncio.gather(*(receive() for _ in range(3)))
        notifications = [n for n in (first, *replays) if n is not None]
        assert len(notifications) == 1
        [notification] = notifications
        assert notification == service.PaymentNotification(
            kind=NotificationKind.CAPTURED,
            provider="sandbox",
            reference=result.reference,
            amount=3100,
            order_id=order.id,
            payment_id=payment.id,
            currency="USD",
        )
        async with database.read() as session:
            captured = await service.get_payment(session, payment.id)
            assert (captured.status, captured.captured_amount) == ("captured", 3100)

    async def test_refund_through_the_provider(
        self, shared_database: Database, payments_sandbox: SandboxServer
    ) -> None:
        database = shared_database
        async with database.transaction() as session:
            order = await create_order(session, total=4000)
            payment = await service.create_payment(
                session, order_id=order.id, provider="sandbox", amount=4000, currency="USD"
            )
        async with httpx.AsyncClient() as http:
            gateway = SandboxGateway(http, base_url=payments_sandbox.url)
            result = await gateway.authorize(
                amount=4000,
                currency="USD",
                token="tok_visa",
                idempotency_key=service.authorization_key(payment),
                metadata=service.payment_metadata(payment),
            )
            async with database.transaction() as session:
                await service.record_authorization(session, payment.id, result)
                refund = await service.begin_refund(session, payment.id, amount=1500)
            assert result.reference is not None
            outcome = await gateway.refund(
                reference=result.reference,
                amount=refund.amount,
                idempotency_key=service.refund_key(refund),
                metadata=service.refund_metadata(refund),
            )
        assert outcome.status is RefundStatus.SUCCEEDED
        async with database.transaction() as session:
            recorded = await service.record_refund(session, refund.id, outcome)
        assert recorded.newly_refunded is True
        async with database.read() as session:
            settled = await service.get_payment(session, payment.id)
            refundable = await service.refundable_amount(session, payment.id)
            assert (settled.captured_amount, settled.refunded_amount) == (4000, 1500)
        assert refundable == 2500
