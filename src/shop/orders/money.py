"""The money of an order: captures, refunds (with returned goods back to stock), and giving a
cancelled order's money back. Never commits and never calls the provider: the plans returned
here are carried out by `shop.orders.workflows` between transactions.

Lock order, as everywhere: the payment row (payments service) before the order row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.integrations.payments.base import GatewayResult, RefundResult
from shop.inventory import service as inventory_service
from shop.kit.clock import utcnow
from shop.models.orders import Order, OrderStatus
from shop.models.payments import Payment, PaymentStatus, Refund
from shop.orders import repository as repo
from shop.orders.errors import NoCapturedPayment, UnknownOrderLine
from shop.orders.service import Actor, lock, move, record_event
from shop.payments import service as payments_service
from shop.payments.errors import RefundExceedsCaptured


async def record_capture(
    session: AsyncSession,
    order: Order,
    *,
    amount: int,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """The payment of a locked order was captured: a pending order becomes paid. Returns False
    when there was nothing to do (the capture was recorded already).

    A capture that arrives for a cancelled order (an async capture racing a cancellation) is
    recorded as money received; the caller refunds it."""
    if amount <= order.captured_amount:
        return False
    moment = now or utcnow()
    order.captured_amount = amount
    order.updated_at = moment
    details = {"amount": amount, **(data or {})}
    if order.status == OrderStatus.PENDING:
        await move(
            session,
            order,
            OrderStatus.PAID,
            actor=actor,
            event="payment_captured",
            data=details,
            now=moment,
        )
    else:
        await record_event(session, order, "payment_captured", actor=actor, data=details, now=now)
    return True


async def record_refund(
    session: AsyncSession,
    order: Order,
    *,
    amount: int,
    refund_id: int,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    order.refunded_amount += amount
    order.updated_at = now or utcnow()
    await record_event(
        session, order, "refunded", actor=actor, data={"amount": amount, "refund_id": refund_id}
    )


async def restock_lines(
    session: AsyncSession,
    order: Order,
    lines: Mapping[int, int],
    *,
    actor: Actor,
    reason: str,
) -> None:
    """Returned goods back to stock, by order line id."""
    by_id = {line.id: line for line in await repo.lines_of(session, order.id)}
    per_variant: list[tuple[int, int]] = []
    for line_id, quantity in lines.items():
        line = by_id.get(line_id)
        if line is None or line.variant_id is None:
            raise UnknownOrderLine(order.number, line_id)
        per_variant.append((line.variant_id, quantity))
    await inventory_service.restock_on_refund(
        session, per_variant, order_id=order.id, actor_user_id=actor.user_id, reason=reason
    )


@dataclass(frozen=True, slots=True)
class VoidPlan:
    payment_id: int
    provider: str
    reference: str
    key: str  # the provider's idempotency key: unique per payment, also across databases


@dataclass(frozen=True, slots=True)
class RefundPlan:
    refund_id: int
    payment_id: int
    provider: str
    reference: str
    amount: int
    key: str
    metadata: dict[str, str]


async def plan_money_back(
    session: AsyncSession, order_id: int, *, actor: Actor, reason: str = "order cancelled"
) -> list[VoidPlan | RefundPlan]:
    """What a cancelled order's payments need so that no money stays with us: authorized ones
    are voided, captured ones refunded (reserved here as pending refunds, so a second plan made
    concurrently finds nothing left). Payment rows are locked before the order's, like every
    other path that touches both."""
    plans: list[VoidPlan | RefundPlan] = []
    for payment in await payments_service.payments_for_order(session, order_id):
        if payment.provider_reference is None:
            continue  # outcome unknown: the reconciliation resolves it first
        if payment.status == PaymentStatus.AUTHORIZED:
            key = f"{payments_service.authorization_key(payment)}-void"
            plans.append(VoidPlan(payment.id, payment.provider, payment.provider_reference, key))
        elif payment.status == PaymentStatus.CAPTURED:
            amount = await payments_service.refundable_amount(session, payment.id)
            if amount <= 0:
                continue
            try:
                refund = await payments_service.begin_refund(
                    session, payment.id, amount=amount, reason=reason, actor_user_id=actor.user_id
                )
            except RefundExceedsCaptured:
                continue  # a concurrent plan reserved it first (checked under the payment lock)
            plans.append(_refund_plan(refund, payment))
    if plans:
        order = await lock(session, order_id)
        await record_event(
            session,
            order,
            "money_back_requested",
            actor=actor,
            data={
                "voids": [p.payment_id for p in plans if isinstance(p, VoidPlan)],
                "refunds": [p.refund_id for p in plans if isinstance(p, RefundPlan)],
            },
        )
    return plans


def _refund_plan(refund: Refund, payment: Payment) -> RefundPlan:
    return RefundPlan(
        refund_id=refund.id,
        payment_id=payment.id,
        provider=payment.provider,
        reference=payment.provider_reference or "",
        amount=refund.amount,
        key=payments_service.refund_key(refund),
        metadata=payments_service.refund_metadata(refund),
    )


async def plan_refund(
    session: AsyncSession,
    order: Order,
    *,
    amount: int,
    reason: str,
    restock: Mapping[int, int],
    actor: Actor,
) -> RefundPlan:
    """A staff refund of part or all of what was captured, with returned goods back to stock.
    The refund is reserved (pending) under the payment's lock: concurrent refunds can never
    add up to more than captured − refunded."""
    payment = next(
        (
            p
            for p in reversed(await payments_service.payments_for_order(session, order.id))
            if p.status == PaymentStatus.CAPTURED
        ),
        None,
    )
    if payment is None:
        raise NoCapturedPayment(order.number)
    refund = await payments_service.begin_refund(
        session, payment.id, amount=amount, reason=reason, actor_user_id=actor.user_id
    )
    locked = await lock(session, order.id)
    if restock:
        await restock_lines(session, locked, restock, actor=actor, reason=reason)
    await record_event(
        session,
        locked,
        "refund_requested",
        actor=actor,
        data={
            "refund_id": refund.id,
            "amount": amount,
            "reason": reason,
            "restock": {str(line_id): quantity for line_id, quantity in restock.items()},
        },
    )
    return _refund_plan(refund, payment)


async def record_void(
    session: AsyncSession, order_id: int, plan: VoidPlan, result: GatewayResult, *, actor: Actor
) -> None:
    payment = await payments_service.record_authorization(session, plan.payment_id, result)
    order = await lock(session, order_id)
    await record_event(
        session,
        order,
        "payment_voided" if payment.status == PaymentStatus.VOIDED else "void_failed",
        actor=actor,
        data={"payment_id": plan.payment_id, "provider_status": str(result.status)},
    )


async def record_refund_result(
    session: AsyncSession, order_id: int, plan: RefundPlan, result: RefundResult, *, actor: Actor
) -> Refund:
    """The provider's answer to a refund. The order's refunded amount moves once, with the
    payment's (a webhook may have settled it first: then it did this)."""
    recorded = await payments_service.record_refund(session, plan.refund_id, result)
    order = await lock(session, order_id)
    if recorded.newly_refunded:
        await record_refund(
            session, order, amount=recorded.refund.amount, refund_id=plan.refund_id, actor=actor
        )
    elif recorded.refund.status == "failed":
        await record_event(
            session,
            order,
            "refund_failed",
            actor=actor,
            data={"refund_id": plan.refund_id, "failure_code": result.failure_code},
        )
    return recorded.refund


async def refund_plan_of(session: AsyncSession, refund_id: int) -> tuple[int, RefundPlan] | None:
    """(order id, plan) of a refund still pending, to call the provider again."""
    refund = await repo.get_refund(session, refund_id)
    if refund is None or refund.status != "pending":
        return None
    payment = await payments_service.get_payment(session, refund.payment_id)
    if payment.provider_reference is None:
        return None
    return refund.order_id, _refund_plan(refund, payment)


async def cancelled_orders_holding_money(session: AsyncSession, *, limit: int = 50) -> list[int]:
    return await repo.cancelled_orders_holding_money(session, limit=limit)


async def stale_pending_refunds(
    session: AsyncSession, *, older_than: timedelta, limit: int = 50
) -> list[int]:
    return await repo.stale_pending_refunds(
        session, created_before=utcnow() - older_than, limit=limit
    )


async def unpaid_orders(
    session: AsyncSession, *, providers: Sequence[str], older_than: timedelta, limit: int = 50
) -> list[int]:
    return await repo.unpaid_orders(
        session, providers=providers, placed_before=utcnow() - older_than, limit=limit
    )


async def get_refund(session: AsyncSession, refund_id: int) -> Refund:
    refund = await repo.get_refund(session, refund_id)
    if refund is None:
        raise LookupError(f"refund {refund_id} vanished")
    return refund
