"""Concurrency: separate transactions at once (real parallelism on PostgreSQL, queued writers on
SQLite) that commit. The webhook race runs on a fresh database (`database`); the others on the
module's shared one, each on its own payment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.db.session import Database
from shop.integrations.payments.base import (
    GatewayResult,
    GatewayStatus,
    NotificationKind,
    RefundResult,
    RefundStatus,
)
from shop.models.payments import Payment, PaymentEvent, PaymentStatus, Refund
from shop.payments import service
from shop.payments.errors import RefundExceedsCaptured
from shop.payments.service import PaymentNotification, RecordedRefund
from tests.builders.payments import create_payment, sandbox_event, sandbox_headers

T = TypeVar("T")
CONCURRENCY = 10


async def in_transactions(
    database: Database, work: Callable[[AsyncSession], Awaitable[T]], *, times: int = CONCURRENCY
) -> list[T | BaseException]:
    async def one() -> T:
        async with database.transaction() as session:
            return await work(session)

    return await asyncio.gather(*(one() for _ in range(times)), return_exceptions=True)


async def arrange_payment(database: Database, **options: Any) -> Payment:
    async with database.transaction() as session:
        return await create_payment(session, **options)


@dataclass(frozen=True)
class State:
    status: str
    captured: int
    refunded: int
    reference: str | None
    events: int
    refunds: list[tuple[str, int, str | None]]


async def state(database: Database, payment_id: int, *, event_ids: Sequence[str] = ()) -> State:
    async with database.read() as session:
        payment = await service.get_payment(session, payment_id)
        events = (
            await session.execute(
                select(func.count())
                .select_from(PaymentEvent)
                .where(PaymentEvent.event_id.in_(event_ids))
            )
        ).scalar()
        refunds = (
            await session.execute(
                select(Refund).where(Refund.payment_id == payment_id).order_by(Refund.id)
            )
        ).scalars()
        return State(
            status=payment.status,
            captured=payment.captured_amount,
            refunded=payment.refunded_amount,
            reference=payment.provider_reference,
            events=int(events or 0),
            refunds=[(r.status, r.amount, r.provider_reference) for r in refunds],
        )


def webhook(
    settings: Settings, body: bytes
) -> Callable[[AsyncSession], Awaitable[PaymentNotification | None]]:
    headers = sandbox_headers(body, secret=settings.sandbox_webhook_secret.get_secret_value())

    async def receive(session: AsyncSession) -> PaymentNotification | None:
        return await service.receive_webhook(
            session, provider="sandbox", headers=headers, body=body, settings=settings
        )

    return receive


class TestReceiveWebhookConcurrently:
    async def test_race_one_event_delivered_10_times_concurrently(
        self, database: Database, app_settings: Settings
    ) -> None:
        payment = await arrange_payment(
            database, amount=2599, status=PaymentStatus.AUTHORIZED, reference="sbx_race"
        )
        body = sandbox_event(reference="sbx_race", amount=2599, event_id="evt_race")
        outcomes = await in_transactions(database, webhook(app_settings, body))
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        notifications = [o for o in outcomes if isinstance(o, PaymentNotification)]
        assert len(notifications) == 1
        assert notifications[0].kind is NotificationKind.CAPTURED
        assert notifications[0].payment_id == payment.id
        settled = await state(database, payment.id, event_ids=["evt_race"])
        assert (settled.status, settled.captured, settled.events) == ("captured", 2599, 1)

    async def test_race_distinct_events_for_one_capture_apply_once(
        self, shared_database: Database, settings: Settings
    ) -> None:
        database = shared_database
        payment = await arrange_payment(
            database, amount=1000, status=PaymentStatus.AUTHORIZED, reference="sbx_many"
        )
        event_ids = [f"evt_many_{i}" for i in range(CONCURRENCY)]
        bodies = iter(
            [sandbox_event(reference="sbx_many", amount=1000, event_id=e) for e in event_ids]
        )

        async def receive(session: AsyncSession) -> PaymentNotification | None:
            return await webhook(settings, next(bodies))(session)

        outcomes = await in_transactions(database, receive)
        assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
        assert len([o for o in outcomes if o is not None]) == 1
        settled = await state(database, payment.id, event_ids=event_ids)
        assert (settled.status, settled.captured, settled.events) == ("captured", 1000, CONCURRENCY)

    async def test_race_webhook_and_checkout_record_the_same_capture(
        self, shared_database: Database, settings: Settings
    ) -> None:
        database = shared_database
        payment = await arrange_payment(database, amount=1500)
        body = sandbox_event(reference="sbx_both", amount=1500, payment_id=payment.id)
        result = GatewayResult(GatewayStatus.CAPTURED, "sbx_both", amount=1500)

        async def record(session: AsyncSession) -> Payment:
            return await service.record_authorization(session, payment.id, result)

        outcomes = await asyncio.gather(
            *(
                in_transactions(database, work, times=5)
                for work in (webhook(settings, body), record)
            )
        )
        flat = [o for group in outcomes for o in group]
        assert not [o for o in flat if isinstance(o, BaseException)], flat
        settled = await state(database, payment.id)
        assert (settled.status, settled.captured, settled.reference) == (
            "captured",
            1500,
            "sbx_both",
        )
        assert len([o for o in outcomes[0] if o is not None]) <= 1


class TestRefundsConcurrently:
    async def test_race_concurrent_refunds_never_exceed_captured(
        self, shared_database: Database
    ) -> None:
        database = shared_database
        payment = await arrange_payment(
            database, amount=5000, status=PaymentStatus.CAPTURED, reference="sbx_ref"
        )

        async def refund(session: AsyncSession) -> Refund:
            return await service.begin_refund(session, payment.id, amount=2000)

        outcomes = await in_transactions(database, refund)
        begun = [o for o in outcomes if isinstance(o, Refund)]
        refused = [o for o in outcomes if isinstance(o, RefundExceedsCaptured)]
        assert (len(begun), len(refused)) == (2, CONCURRENCY - 2)
        async with database.read() as session:
            assert await service.refundable_amount(session, payment.id) == 1000

    async def test_race_webhook_and_admin_record_the_same_refund(
        self, shared_database: Database, settings: Settings
    ) -> None:
        database = shared_database
        payment = await arrange_payment(
            database, amount=5000, status=PaymentStatus.CAPTURED, reference="sbx_rr"
        )
        async with database.transaction() as session:
            refund = await service.begin_refund(session, payment.id, amount=1200)
        body = sandbox_event(
            event_type="refund.succeeded",
            reference="sbx_rr",
            refund={"id": "sbxre_rr", "amount": 1200, "metadata": {"refund_id": str(refund.id)}},
        )
        result = RefundResult(RefundStatus.SUCCEEDED, "sbxre_rr", 1200)

        async def record(session: AsyncSession) -> RecordedRefund:
            return await service.record_refund(session, refund.id, result)

        by_webhook, by_admin = await asyncio.gather(
            in_transactions(database, webhook(settings, body), times=3),
            in_transactions(database, record, times=3),
        )
        assert not [o for o in [*by_webhook, *by_admin] if isinstance(o, BaseException)]
        applied = [o for o in by_webhook if o is not None] + [
            o for o in by_admin if isinstance(o, RecordedRefund) and o.newly_refunded
        ]
        assert len(applied) == 1
        settled = await state(database, payment.id)
        assert settled.refunded == 1200
        assert settled.refunds == [("succeeded", 1200, "sbxre_rr")]
