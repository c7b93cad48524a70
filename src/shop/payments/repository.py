"""Every SQL statement of payments, refunds and received webhook events."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Update, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.models.payments import Payment, PaymentEvent, PaymentStatus, Refund

REFUND_PENDING = "pending"
REFUND_SUCCEEDED = "succeeded"
REFUND_FAILED = "failed"


def _changed(result: object) -> bool:
    return cast("CursorResult[Any]", result).rowcount == 1


# Payments


async def insert_payment(session: AsyncSession, payment: Payment) -> Payment:
    session.add(payment)
    await session.flush()
    return payment


async def get_payment(
    session: AsyncSession, payment_id: int, *, for_update: bool = False
) -> Payment | None:
    # populate_existing: conditional UPDATEs bypass the identity map; reads must see them.
    statement = (
        select(Payment).where(Payment.id == payment_id).execution_options(populate_existing=True)
    )
    if for_update:
        statement = statement.with_for_update()
    result = await session.execute(statement)
    return result.scalar_one_or_none()


async def get_payment_by_reference(
    session: AsyncSession, *, provider: str, reference: str, for_update: bool = False
) -> Payment | None:
    statement = (
        select(Payment)
        .where(Payment.provider == provider, Payment.provider_reference == reference)
        .execution_options(populate_existing=True)
    )
    if for_update:
        statement = statement.with_for_update()
    result = await session.execute(statement)
    return result.scalar_one_or_none()


async def payments_for_order(session: AsyncSession, order_id: int) -> list[Payment]:
    result = await session.execute(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)
    )
    return list(result.scalars())


async def pending_payments(
    session: AsyncSession, *, created_before: datetime, limit: int
) -> list[Payment]:
    result = await session.execute(
        select(Payment)
        .where(Payment.status == PaymentStatus.PENDING, Payment.created_at < created_before)
        .order_by(Payment.id)
        .limit(limit)
    )
    return list(result.scalars())


async def update_payment_if(
    session: AsyncSession,
    payment_id: int,
    *,
    from_statuses: Collection[PaymentStatus],
    reference: str | None = None,
    min_captured: int | None = None,
    **values: object,
) -> bool:
    """One conditional UPDATE: applied only while the payment is in one of `from_statuses`, so
    that of two concurrent writers (a webhook and the checkout) exactly one wins. The provider
    reference is filled in when still missing, never overwritten."""
    statement = _conditional_update(payment_id, from_statuses, reference, min_captured, values)
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return _changed(result)


async def update_payment_returning(
    session: AsyncSession,
    payment_id: int,
    *,
    from_statuses: Collection[PaymentStatus],
    reference: str | None = None,
    min_captured: int | None = None,
    **values: object,
) -> Payment | None:
    """`update_payment_if` that answers the changed payment in the same statement (RETURNING),
    or None when the condition did not hold (nothing changed)."""
    statement = _conditional_update(payment_id, from_statuses, reference, min_captured, values)
    result = await session.scalars(
        statement.returning(Payment),
        execution_options={"synchronize_session": False, "populate_existing": True},
    )
    return result.one_or_none()


def _conditional_update(
    payment_id: int,
    from_statuses: Collection[PaymentStatus],
    reference: str | None,
    min_captured: int | None,
    values: dict[str, object],
) -> Update:
    statement = update(Payment).where(
        Payment.id == payment_id, Payment.status.in_([str(s) for s in from_statuses])
    )
    if min_captured is not None:
        # A capture below what was refunded would break refund_within_capture.
        statement = statement.where(Payment.refunded_amount <= min_captured)
    if reference is not None:
        values["provider_reference"] = func.coalesce(Payment.provider_reference, reference)
    return statement.values(**values)


async def set_reference_if_missing(session: AsyncSession, payment_id: int, reference: str) -> None:
    await session.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.provider_reference.is_(None))
        .values(provider_reference=reference)
        .execution_options(synchronize_session=False)
    )


async def add_refunded(session: AsyncSession, payment_id: int, amount: int) -> bool:
    """refunded_amount += amount, only if that stays within the captured amount."""
    result = await session.execute(
        update(Payment)
        .where(
            Payment.id == payment_id,
            Payment.refunded_amount + amount <= Payment.captured_amount,
        )
        .values(refunded_amount=Payment.refunded_amount + amount)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


# Refunds


async def insert_refund(session: AsyncSession, refund: Refund) -> Refund:
    session.add(refund)
    await session.flush()
    return refund


async def get_refund(session: AsyncSession, refund_id: int) -> Refund | None:
    result = await session.execute(
        select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def get_refund_by_reference(
    session: AsyncSession, *, payment_id: int, reference: str
) -> Refund | None:
    result = await session.execute(
        select(Refund)
        .where(Refund.payment_id == payment_id, Refund.provider_reference == reference)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def pending_refund_total(session: AsyncSession, payment_id: int) -> int:
    result = await session.execute(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment_id, Refund.status == REFUND_PENDING
        )
    )
    return int(result.scalar_one())


async def update_refund_if_pending(
    session: AsyncSession, refund_id: int, *, status: str, reference: str | None
) -> bool:
    values: dict[str, object] = {"status": status}
    if reference is not None:
        values["provider_reference"] = func.coalesce(Refund.provider_reference, reference)
    result = await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.status == REFUND_PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _changed(result)


async def set_refund_reference_if_missing(
    session: AsyncSession, refund_id: int, reference: str
) -> None:
    await session.execute(
        update(Refund)
        .where(Refund.id == refund_id, Refund.provider_reference.is_(None))
        .values(provider_reference=reference)
        .execution_options(synchronize_session=False)
    )


async def refunds_for_order(session: AsyncSession, order_id: int) -> list[Refund]:
    result = await session.execute(
        select(Refund).where(Refund.order_id == order_id).order_by(Refund.id)
    )
    return list(result.scalars())


# Webhook events


async def insert_event(session: AsyncSession, event: PaymentEvent) -> bool:
    """Record a webhook event; False (and nothing written) when (provider, event_id) is already
    there. The SAVEPOINT keeps the caller's transaction usable after the unique violation; on
    PostgreSQL a concurrent duplicate waits here for the first one's commit, then loses."""
    try:
        async with session.begin_nested():
            session.add(event)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def mark_event_processed(session: AsyncSession, event: PaymentEvent, now: datetime) -> None:
    event.processed_at = now
    await session.flush()
