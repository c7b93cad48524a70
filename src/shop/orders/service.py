"""Orders: creation from a priced cart, the status machine, the event log, cancellation,
fulfilment, and the queries of customers and staff (money: `shop.orders.money`).

Never commits. Every change of an order is made under its row lock (`lock`), and appends an
event (who, what, when) in the same transaction. Remote calls (the payment provider) are not
made here: see `shop.orders.workflows`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.errors import InvalidInput
from shop.inventory import service as inventory_service
from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.models.orders import Fulfillment, Order, OrderEvent, OrderLine, OrderStatus
from shop.models.payments import Payment, Refund
from shop.orders import emails
from shop.orders import repository as repo
from shop.orders.errors import (
    FulfillmentRequired,
    IllegalTransition,
    PaymentRequired,
    order_not_found,
)
from shop.orders.repository import OrderFilters
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
        inserted = await repo.insert_order(
            session,
            dict(
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
            ),
        )
        if inserted is not None:
            order = inserted
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


async def move(
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


async def lock(session: AsyncSession, order_id: int, *, with_parts: bool = False) -> Order:
    """The order under its row lock; `with_parts` also loads its lines and fulfilments (for an
    answer built from this very object, without reading the order again)."""
    order = await repo.get_order(session, order_id=order_id, for_update=True, parts=with_parts)
    if order is None:
        raise LookupError(f"order {order_id} vanished")
    return order


async def lock_by_number(session: AsyncSession, number: str) -> Order:
    order = await repo.get_order(
        session, number=normalize_number(number), for_update=True, parts=False
    )
    if order is None:
        raise order_not_found(number)
    return order


async def transition(session: AsyncSession, order: Order, to: OrderStatus, *, actor: Actor) -> None:
    """A staff member moves a locked order on by hand (not to cancelled: see `cancel`)."""
    to = OrderStatus(to)
    if to is OrderStatus.CANCELLED:
        raise ValueError("cancel an order with cancel(): it gives back stock, coupon and money")
    if to in TRANSITIONS[OrderStatus(order.status)]:
        if to is OrderStatus.PAID:
            raise PaymentRequired(order.number)
        if to is OrderStatus.SHIPPED:
            raise FulfillmentRequired(order.number)
    await move(session, order, to, actor=actor)


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
    await move(session, order, S.CANCELLED, actor=actor, event=event, data={"reason": reason})
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
        await move(session, order, S.PROCESSING, actor=actor, now=moment)
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
    await move(
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
    await emails.enqueue_mail(
        session,
        order,
        "order_shipped",
        key=f"shipped-{fulfillment.id}",
        extra={"carrier": carrier, "tracking_number": tracking_number},
    )
    return fulfillment


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


async def get_order(session: AsyncSession, number: str) -> Order:
    order = await repo.get_order(session, number=normalize_number(number))
    if order is None:
        raise order_not_found(number)
    return order


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
        await move(session, order, S.PAID, actor=actor, event="paid_without_payment")
