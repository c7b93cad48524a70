"""Orders: creation from a priced cart, the status machine, the event log, fulfilment, the
money an order has received and given back, and the queries of customers and staff.

Never commits. Every change of an order is made under its row lock (`lock`), and appends an
event (who, what, when) in the same transaction. Remote calls (the payment provider) are not
made here: see `shop.orders.workflows`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import InvalidInput
from shop.integrations.payments.base import GatewayResult, RefundResult
from shop.inventory import service as inventory_service
from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.mail import service as mail_service
from shop.models.orders import Fulfillment, Order, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import Payment, PaymentStatus, Refund
from shop.orders import repository as repo
from shop.orders.errors import (
    FulfillmentRequired,
    IllegalTransition,
    NoCapturedPayment,
    PaymentRequired,
    UnknownOrderLine,
    order_not_found,
)
from shop.orders.repository import OrderFilters
from shop.payments import service as payments_service
from shop.payments.errors import RefundExceedsCaptured
from shop.pricing import service as pricing_service

# Crockford's base32 (no I, L, O, U): short, unambiguous when read out, not guessable in sequence.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PREFIX = "SW-"
NUMBER_LENGTH = 8
NUMBER_ATTEMPTS = 5
NUMBER_PATTERN = rf"^{NUMBER_PREFIX}[{NUMBER_ALPHABET}]{{{NUMBER_LENGTH}}}$"

S = OrderStatus
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    S.PENDING: (S.PAID, S.CANCELLED),
    S.PAID: (S.PROCESSING, S.CANCELLED),
    S.PROCESSING: (S.SHIPPED, S.CANCELLED),
    S.SHIPPED: (S.DELIVERED,),
    S.DELIVERED: (),
    S.CANCELLED: (),
}
# A customer may cancel until the shop starts working on the order.
CUSTOMER_CANCELLABLE = (S.PENDING, S.PAID)


def new_order_number() -> str:
    return NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))


def normalize_number(number: str) -> str:
    return number.strip().upper()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes an order, as written to its events."""

    user_id: int | None
    label: str

    @classmethod
    def system(cls) -> Actor:
        return cls(None, "system")

    @classmethod
    def customer(cls, user_id: int | None) -> Actor:
        return cls(user_id, "customer" if user_id is not None else "guest")

    @classmethod
    def staff(cls, user_id: int, email: str | None) -> Actor:
        return cls(user_id, f"staff:{email or user_id}"[:100])


async def staff_actor(session: AsyncSession, user_id: int) -> Actor:
    return Actor.staff(user_id, await repo.user_email(session, user_id))


# --- placing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewOrderLine:
    variant_id: int
    product_id: int | None
    product_name: str
    variant_title: str
    sku: str
    unit_price: int
    quantity: int
    discount: int
    tax: int
    total: int


@dataclass(frozen=True, slots=True)
class NewOrder:
    user_id: int | None
    email: str
    currency: str
    subtotal: int
    discount: int
    shipping: int
    tax: int
    total: int
    shipping_method: str
    coupon_code: str | None
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any]
    cart_id: int | None
    lines: list[NewOrderLine] = field(default_factory=list)

    def check(self) -> None:
        """The totals identity, on the snapshot we are about to store."""
        lines_total = sum(line.total for line in self.lines)
        if (
            self.total != self.subtotal - self.discount + self.shipping + self.tax
            or self.total < 0
            or self.subtotal != sum(line.unit_price * line.quantity for line in self.lines)
            or self.discount != sum(line.discount for line in self.lines)
            or lines_total > self.total
        ):
            raise ValueError("inconsistent order totals")


async def create_order(
    session: AsyncSession, data: NewOrder, *, actor: Actor, now: datetime | None = None
) -> Order:
    """A pending order with its line snapshots and a `placed` event. Numbers are drawn at random
    and drawn again if taken."""
    data.check()
    moment = now or utcnow()
    for _ in range(NUMBER_ATTEMPTS):
        order = Order(
            number=new_order_number(),
            user_id=data.user_id,
            email=data.email,
            status=OrderStatus.PENDING,
            currency=data.currency,
            subtotal_amount=data.subtotal,
            discount_amount=data.discount,
            shipping_amount=data.shipping,
            tax_amount=data.tax,
            total_amount=data.total,
            captured_amount=0,
            refunded_amount=0,
            shipping_method=data.shipping_method,
            coupon_code=data.coupon_code,
            shipping_address=data.shipping_address,
            billing_address=data.billing_address,
            cart_id=data.cart_id,
            created_at=moment,
            updated_at=moment,
        )
        if await repo.insert_order(session, order):
            break
    else:
        raise RuntimeError("could not draw a free order number")
    lines = [
        OrderLine(
            order_id=order.id,
            variant_id=line.variant_id,
            product_id=line.product_id,
            product_name=line.product_name[:200],
            variant_title=line.variant_title[:200],
            sku=line.sku,
            unit_price_amount=line.unit_price,
            quantity=line.quantity,
            discount_amount=line.discount,
            tax_amount=line.tax,
            total_amount=line.total,
        )
        for line in data.lines
    ]
    event = _event(order, "placed", actor=actor, to_status=OrderStatus.PENDING, now=moment)
    await repo.add_all(session, [*lines, event])
    return order


# --- the status machine and the event log --------------------------------------------------


def allowed_transitions(status: OrderStatus) -> tuple[OrderStatus, ...]:
    return TRANSITIONS[OrderStatus(status)]


def check_transition(order: Order, to: OrderStatus) -> None:
    current = OrderStatus(order.status)
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(current, to, TRANSITIONS[current])


def _event(
    order: Order,
    type_: str,
    *,
    actor: Actor,
    from_status: OrderStatus | None = None,
    to_status: OrderStatus | None = None,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> OrderEvent:
    return OrderEvent(
        order_id=order.id,
        type=type_,
        from_status=from_status,
        to_status=to_status,
        actor_user_id=actor.user_id,
        actor=actor.label,
        data=dict(data or {}),
        created_at=now or utcnow(),
    )


async def record_event(
    session: AsyncSession,
    order: Order,
    type_: str,
    *,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """An event that does not change the status (payment_failed, refund_requested ...)."""
    await repo.add_all(session, [_event(order, type_, actor=actor, data=data, now=now)])


async def _move(
    session: AsyncSession,
    order: Order,
    to: OrderStatus,
    *,
    actor: Actor,
    event: str = "status_changed",
    data: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    check_transition(order, to)
    moment = now or utcnow()
    current = OrderStatus(order.status)
    order.status = to
    order.updated_at = moment
    await repo.add_all(
        session,
        [
            _event(
                order,
                event,
                actor=actor,
                from_status=current,
                to_status=to,
                data=data,
                now=moment,
            )
        ],
    )


async def lock(session: AsyncSession, order_id: int) -> Order:
    order = await repo.get_order(session, order_id=order_id, for_update=True)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    return order


async def lock_by_number(session: AsyncSession, number: str) -> Order:
    order = await repo.get_order(session, number=normalize_number(number), for_update=True)
    if order is None:
        raise order_not_found(number)
    return order


async def transition(session: AsyncSession, order: Order, to: OrderStatus, *, actor: Actor) -> None:
    """A staff member moves a locked order on by hand (not to cancelled: see `cancel`)."""
    to = OrderStatus(to)
    if to in TRANSITIONS[OrderStatus(order.status)]:
        if to is OrderStatus.PAID:
            raise PaymentRequired(order.number)
        if to is OrderStatus.SHIPPED:
            raise FulfillmentRequired(order.number)
    await _move(session, order, to, actor=actor)


# --- money in and out ----------------------------------------------------------------------


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
        await _move(
            session, order, S.PAID, actor=actor, event="payment_captured", data=details, now=moment
        )
    else:
        await record_event(session, order, "payment_captured", actor=actor, data=details, now=now)
    return True


def refundable(order: Order, refunds: list[Refund] | None = None) -> int:
    """Captured minus refunded minus refunds still in flight."""
    in_flight = sum(r.amount for r in refunds or [] if r.status == "pending")
    return order.captured_amount - order.refunded_amount - in_flight


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


# --- cancellation --------------------------------------------------------------------------


async def cancel(
    session: AsyncSession,
    order: Order,
    *,
    actor: Actor,
    reason: str,
    by_customer: bool = False,
    event: str = "cancelled",
    now: datetime | None = None,
) -> None:
    """Cancel a locked order: its stock and coupon use are given back at once. Returning the
    money (void or refund) is the caller's next step, outside this transaction."""
    current = OrderStatus(order.status)
    if by_customer and current not in CUSTOMER_CANCELLABLE:
        raise IllegalTransition(
            current,
            S.CANCELLED,
            (),
            hint="; an order being prepared or shipped can only be cancelled by the shop: "
            "contact support",
        )
    await _move(session, order, S.CANCELLED, actor=actor, event=event, data={"reason": reason})
    await inventory_service.release(
        session, order_id=order.id, actor_user_id=actor.user_id, reason=reason, now=now
    )
    await pricing_service.release_coupon(session, order_id=order.id)


# --- fulfilment ----------------------------------------------------------------------------


async def fulfil(
    session: AsyncSession,
    order: Order,
    *,
    carrier: str,
    tracking_number: str,
    actor: Actor,
    now: datetime | None = None,
) -> Fulfillment:
    """A paid or processing order was handed to a carrier: it is shipped, and the customer is
    sent the tracking details (outbox, same transaction)."""
    moment = now or utcnow()
    current = OrderStatus(order.status)
    if current is S.PAID:
        await _move(session, order, S.PROCESSING, actor=actor, now=moment)
    elif current is not S.PROCESSING:
        raise IllegalTransition(current, S.SHIPPED, TRANSITIONS[current])
    fulfillment = Fulfillment(
        order_id=order.id,
        carrier=carrier,
        tracking_number=tracking_number,
        created_by_user_id=actor.user_id,
        created_at=moment,
    )
    await repo.add_all(session, [fulfillment])
    await _move(
        session,
        order,
        S.SHIPPED,
        actor=actor,
        event="shipped",
        data={
            "fulfillment_id": fulfillment.id,
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
        now=moment,
    )
    await enqueue_mail(
        session,
        order,
        "order_shipped",
        key=f"shipped-{fulfillment.id}",
        extra={"carrier": carrier, "tracking_number": tracking_number},
    )
    return fulfillment


# --- email ---------------------------------------------------------------------------------


async def enqueue_mail(
    session: AsyncSession,
    order: Order,
    template: str,
    *,
    key: str,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """An email about the order, sent by the worker after commit: never lost, and one message
    id per `key`, so a repeated job is recognised as the same message."""
    lines = await repo.lines_of(session, order.id)

    def money(amount: int) -> dict[str, Any]:
        return {"amount": amount, "currency": order.currency}

    address = order.shipping_address
    context: dict[str, Any] = {
        "order_number": order.number,
        "customer_name": address.get("name"),
        "shipping_address": address,
    }
    if template == "order_confirmation":
        context |= {
            "lines": [
                {
                    "name": line.product_name,
                    "variant": line.variant_title,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": money(line.unit_price_amount),
                    "total": money(line.unit_price_amount * line.quantity),
                }
                for line in lines
            ],
            "totals": {
                "subtotal": money(order.subtotal_amount),
                "discount": money(order.discount_amount),
                "shipping": money(order.shipping_amount),
                "tax": money(order.tax_amount),
                "total": money(order.total_amount),
            },
            "shipping_method": order.shipping_method,
        }
    context |= dict(extra or {})
    await mail_service.enqueue_mail(
        session,
        to=order.email,
        template=template,
        context=context,
        message_id=f"order-{order.number}-{key}",
    )


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderView:
    order: Order
    payment: Payment | None


@dataclass(frozen=True, slots=True)
class AdminOrderView:
    order: Order
    payments: list[Payment]
    refunds: list[Refund]

    @property
    def payment(self) -> Payment | None:
        return self.payments[-1] if self.payments else None


@dataclass(frozen=True, slots=True)
class OrderSummary:
    order: Order
    item_count: int


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[OrderSummary]
    total: int
    page: PageRequest


async def _view(session: AsyncSession, order: Order) -> OrderView:
    payments = await repo.payments_of(session, order.id)
    return OrderView(order, payments[-1] if payments else None)


async def view(session: AsyncSession, order_id: int) -> OrderView:
    order = await repo.get_order(session, order_id=order_id)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    return await _view(session, order)


async def get_customer_order(session: AsyncSession, number: str, *, user_id: int) -> OrderView:
    order = await repo.get_order(session, number=normalize_number(number))
    if order is None or order.user_id != user_id:
        raise order_not_found(number)
    return await _view(session, order)


async def lookup_order(session: AsyncSession, number: str, email: str) -> OrderView:
    """A guest finds an order by number and email; a wrong number and a wrong email answer the
    same 404, so the lookup reveals nothing."""
    order = await repo.get_order(session, number=normalize_number(number))
    if order is None or order.email.casefold() != email.strip().casefold():
        raise order_not_found(number)
    return await _view(session, order)


async def list_orders(session: AsyncSession, filters: OrderFilters, page: PageRequest) -> OrderPage:
    rows, total = await repo.list_orders(session, filters, offset=page.offset, limit=page.limit)
    return OrderPage([OrderSummary(order, count) for order, count in rows], total, page)


async def get_admin_order(session: AsyncSession, number: str) -> AdminOrderView:
    order = await repo.get_order(session, number=normalize_number(number), details=True)
    if order is None:
        raise order_not_found(number)
    return AdminOrderView(
        order, await repo.payments_of(session, order.id), await repo.refunds_of(session, order.id)
    )


def check_filters(filters: OrderFilters) -> None:
    if (
        filters.created_from is not None
        and filters.created_to is not None
        and filters.created_from >= filters.created_to
    ):
        raise InvalidInput("created_from must be before created_to", code="invalid_date_range")


# --- giving money back ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoidPlan:
    payment_id: int
    provider: str
    reference: str

    @property
    def key(self) -> str:
        return f"shopwright-void-{self.payment_id}"


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
            plans.append(VoidPlan(payment.id, payment.provider, payment.provider_reference))
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


async def get_order(session: AsyncSession, number: str) -> Order:
    order = await repo.get_order(session, number=normalize_number(number))
    if order is None:
        raise order_not_found(number)
    return order


async def get_refund(session: AsyncSession, refund_id: int) -> Refund:
    refund = await repo.get_refund(session, refund_id)
    if refund is None:
        raise LookupError(f"refund {refund_id} vanished")
    return refund


def check_currency(order: Order, currency: str) -> None:
    if currency != order.currency:
        raise InvalidInput(
            f"order {order.number} is in {order.currency}; give the amount in {order.currency}",
            code="currency_mismatch",
            errors=[{"field": "amount.currency", "message": f"must be {order.currency}"}],
        )


async def has_event(session: AsyncSession, order_id: int, type_: str) -> bool:
    return await repo.has_event(session, order_id, type_)


async def record_nothing_to_pay(session: AsyncSession, order: Order, *, actor: Actor) -> None:
    """A zero total (free items, a full discount with free shipping): paid without a payment."""
    if order.status == OrderStatus.PENDING and order.total_amount == 0:
        await _move(session, order, S.PAID, actor=actor, event="paid_without_payment")
