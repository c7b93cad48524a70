"""Order changes that involve the payment provider: cancellation (void or refund) and staff
refunds. These are transaction boundaries, like a request: each step is one short transaction
and the provider is called between them, never inside one (mark intent, commit, call, record).

If the provider cannot be reached, the intent stays recorded (a pending refund, a cancelled
order whose payment is still authorized) and `shop.checkout.tasks` finishes it later.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from shop.db.session import Database
from shop.integrations.payments.base import (
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    RefundResult,
    RefundStatus,
)
from shop.models.orders import OrderStatus
from shop.models.payments import Refund
from shop.orders import money as orders_money
from shop.orders import service as orders_service
from shop.orders.errors import order_not_found
from shop.orders.money import RefundPlan, VoidPlan
from shop.orders.service import Actor, OrderView

log = logging.getLogger(__name__)

Gateways = Mapping[str, PaymentGateway]


async def _actor(database: Database, *, user_id: int | None, staff: bool) -> Actor:
    if not staff or user_id is None:
        return Actor.customer(user_id)
    async with database.read() as session:
        return await orders_service.staff_actor(session, user_id)


async def cancel_order(
    database: Database,
    gateways: Gateways,
    number: str,
    *,
    user_id: int | None,
    staff: bool,
    reason: str = "",
) -> OrderView:
    """Cancel an order: stock and coupon back at once, then the money (void or refund).

    A customer (`staff=False`) may cancel only their own pending or paid order; anyone else's
    is 404 as if it did not exist."""
    actor = await _actor(database, user_id=user_id, staff=staff)
    async with database.transaction() as session:
        order = await orders_service.lock_by_number(session, number)
        if not staff and order.user_id != user_id:
            raise order_not_found(number)
        await orders_service.cancel(
            session,
            order,
            actor=actor,
            reason=reason or ("cancelled by the customer" if not staff else "cancelled by staff"),
            by_customer=not staff,
        )
        order_id = order.id
    await return_money(database, gateways, order_id, actor=actor)
    async with database.transaction() as session:
        return await orders_service.view(session, order_id)


async def return_money(
    database: Database, gateways: Gateways, order_id: int, *, actor: Actor
) -> None:
    """Void or refund what a cancelled order's payments still hold. Safe to repeat."""
    async with database.transaction() as session:
        order = await orders_service.view(session, order_id)
        if order.order.status != OrderStatus.CANCELLED:
            return
        plans = await orders_money.plan_money_back(session, order_id, actor=actor)
    for plan in plans:
        if isinstance(plan, VoidPlan):
            await _void(database, gateways, order_id, plan, actor=actor)
        else:
            await run_refund(database, gateways, order_id, plan, actor=actor)


async def _void(
    database: Database, gateways: Gateways, order_id: int, plan: VoidPlan, *, actor: Actor
) -> None:
    gateway = gateways.get(plan.provider)
    if gateway is None:
        log.error("no gateway %s to void payment %s", plan.provider, plan.payment_id)
        return
    try:
        result = await gateway.void(reference=plan.reference, idempotency_key=plan.key)
    except GatewayUnavailable:
        log.warning("void of payment %s postponed: provider unavailable", plan.payment_id)
        return
    except GatewayRejected as exc:
        # Typically captured meanwhile; its capture webhook leads to a refund instead.
        log.warning("void of payment %s refused: %s", plan.payment_id, exc.code)
        return
    async with database.transaction() as session:
        await orders_money.record_void(session, order_id, plan, result, actor=actor)


async def run_refund(
    database: Database, gateways: Gateways, order_id: int, plan: RefundPlan, *, actor: Actor
) -> Refund | None:
    """Call the provider for a reserved refund and record its answer. None when the provider
    could not be reached: the refund stays pending and is retried later."""
    gateway = gateways.get(plan.provider)
    if gateway is None:
        log.error("no gateway %s for refund %s", plan.provider, plan.refund_id)
        return None
    try:
        result = await gateway.refund(
            reference=plan.reference,
            amount=plan.amount,
            idempotency_key=plan.key,
            metadata=plan.metadata,
        )
    except GatewayUnavailable:
        log.warning("refund %s postponed: provider unavailable", plan.refund_id)
        return None
    except GatewayRejected as exc:
        result = RefundResult(
            status=RefundStatus.FAILED,
            reference=None,
            amount=plan.amount,
            failure_code=exc.code,
            message=exc.message,
        )
    async with database.transaction() as session:
        return await orders_money.record_refund_result(session, order_id, plan, result, actor=actor)


async def refund_order(
    database: Database,
    gateways: Gateways,
    number: str,
    *,
    amount: int,
    currency: str,
    reason: str,
    restock: Mapping[int, int],
    staff_user_id: int,
) -> tuple[Refund, str]:
    """A staff refund; returns the refund as recorded (pending when the provider did not answer
    yet) and the order's currency."""
    actor = await _actor(database, user_id=staff_user_id, staff=True)
    async with database.transaction() as session:
        order = await orders_service.get_order(session, number)
        orders_service.check_currency(order, currency)
        plan = await orders_money.plan_refund(
            session, order, amount=amount, reason=reason, restock=restock, actor=actor
        )
        order_id, currency = order.id, order.currency
    refund = await run_refund(database, gateways, order_id, plan, actor=actor)
    if refund is None:
        async with database.transaction() as session:
            refund = await orders_money.get_refund(session, plan.refund_id)
    return refund, currency


async def retry_refund(database: Database, gateways: Gateways, refund_id: int) -> None:
    """Call the provider again for a refund left pending (same idempotency key)."""
    async with database.transaction() as session:
        found = await orders_money.refund_plan_of(session, refund_id)
    if found is not None:
        order_id, plan = found
        await run_refund(database, gateways, order_id, plan, actor=Actor.system())
