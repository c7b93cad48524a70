"""Checkout: Idempotency-Key claims, placing an order from a cart, and settling it once the
payment provider has answered (or a webhook has).

Never commits and never calls the provider: `shop.checkout.workflows` runs these steps, each
in its own short transaction, and calls the provider between them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.tokens import AccessClaims
from shop.carts import service as carts_service
from shop.checkout import repository as repo
from shop.checkout.errors import (
    CheckoutInProgress,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
)
from shop.checkout.schemas import CheckoutCreate
from shop.integrations.payments.base import GatewayResult, NotificationKind
from shop.inventory import service as inventory_service
from shop.kit.clock import utcnow
from shop.models.orders import Order, OrderLine, OrderStatus
from shop.models.payments import Payment, PaymentStatus
from shop.orders import emails as orders_emails
from shop.orders import money as orders_money
from shop.orders import service as orders_service
from shop.orders.service import Actor, NewOrder, NewOrderLine, OrderView
from shop.payments import service as payments_service
from shop.payments.service import PaymentNotification
from shop.pricing import service as pricing_service
from shop.pricing.calculator import PricedLine

SCOPE = "checkout"
# Longer than a checkout can take (the provider call times out after 10 s); a claim whose
# process died is taken over after it.
LEASE = timedelta(seconds=60)
CONFIRMED_EVENT = "confirmed"
# How long a finished Idempotency-Key answers with its first response (the draft suggests 24 h).
REPLAY_WINDOW = timedelta(hours=24)


def request_hash(data: CheckoutCreate, *, user_id: int | None, cart_token: str | None) -> str:
    """sha256 of the canonical JSON body and who sent it: the same key with another body, or
    from another customer or cart token, is a different request."""
    token = hashlib.sha256(cart_token.encode()).hexdigest() if cart_token else None
    canonical = json.dumps(
        {"body": data.model_dump(mode="json"), "user_id": user_id, "cart_token": token},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Idempotency-Key claims ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recovery:
    """Stored on the claim in the transaction that placed the order: what a retry (or the
    reconciliation) needs to ask the provider again with the same idempotency key."""

    order_id: int
    payment_id: int | None  # None: nothing to pay (a zero total)
    provider: str
    token: str

    def to_json(self) -> dict[str, Any]:
        return {
            "recovery": {
                "order_id": self.order_id,
                "payment_id": self.payment_id,
                "provider": self.provider,
                "token": self.token,
            }
        }

    @classmethod
    def from_json(cls, body: dict[str, Any] | None) -> Recovery | None:
        point = (body or {}).get("recovery")
        if not isinstance(point, dict):
            return None
        return cls(
            int(point["order_id"]),
            None if point["payment_id"] is None else int(point["payment_id"]),
            str(point["provider"]),
            str(point["token"]),
        )


@dataclass(frozen=True, slots=True)
class Claim:
    record_id: int
    lease: datetime  # our lease's end: also the fencing token of every later write
    replay: tuple[int, dict[str, Any]] | None = None
    recovery: Recovery | None = None


async def claim(
    session: AsyncSession, *, key: str, request_hash: str, now: datetime | None = None
) -> Claim:
    """Claim the key for this request. A finished request is replayed; one in flight is 409
    `idempotency_key_in_use`; another request under the same key is 422
    `idempotency_key_reused`; a claim whose lease ran out (its process died) is taken over,
    with its recovery point when it had placed the order."""
    moment = now or utcnow()
    lease = moment + LEASE
    record_id = await repo.insert_claim(
        session, scope=SCOPE, key=key, request_hash=request_hash, now=moment, locked_until=lease
    )
    if record_id is not None:
        return Claim(record_id, lease)
    record = await repo.get_record(session, scope=SCOPE, key=key, for_update=True)
    if record is None:
        raise IdempotencyKeyInUse()  # deleted by its owner a moment ago: retry
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if record.response_status is not None:
        return Claim(
            record.id,
            record.locked_until,
            replay=(record.response_status, record.response_body or {}),
        )
    if record.locked_until > moment:
        raise IdempotencyKeyInUse()
    return await take_over(session, record.id, held_until=record.locked_until, now=moment)


async def take_over(
    session: AsyncSession, record_id: int, *, held_until: datetime, now: datetime
) -> Claim:
    lease = now + LEASE
    if not await repo.extend_claim(session, record_id, held_until=held_until, locked_until=lease):
        raise IdempotencyKeyInUse()
    record = await repo.get_record_by_id(session, record_id)
    recovery = Recovery.from_json(record.response_body if record else None)
    return Claim(record_id, lease, recovery=recovery)


async def finish(session: AsyncSession, claim: Claim, *, status: int, body: dict[str, Any]) -> None:
    """Store the final response: the same key and body get it again, exactly."""
    await repo.finish(session, claim.record_id, status=status, body=body, now=utcnow())


async def release(session: AsyncSession, claim: Claim) -> None:
    """The outcome is not known yet (provider unreachable): let the next retry take over at
    once, from the recovery point."""
    await repo.extend_claim(session, claim.record_id, held_until=claim.lease, locked_until=utcnow())


async def abandon(session: AsyncSession, claim: Claim) -> None:
    """Nothing was placed (an unexpected error): forget the claim so the key can be retried."""
    await repo.delete_claim(session, claim.record_id, held_until=claim.lease)


async def purge_claims(session: AsyncSession, *, now: datetime | None = None) -> int:
    return await repo.purge_claims(
        session, scope=SCOPE, finished_before=(now or utcnow()) - REPLAY_WINDOW
    )


async def stale_claims(session: AsyncSession, *, limit: int = 20) -> list[tuple[int, datetime]]:
    records = await repo.stale_claims(session, scope=SCOPE, now=utcnow(), limit=limit)
    return [(record.id, record.locked_until) for record in records]


# --- placing the order ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placed:
    order_id: int
    number: str
    recovery: Recovery
    request: PaymentRequest | None  # None: nothing to pay


async def place(
    session: AsyncSession,
    *,
    claim: Claim,
    data: CheckoutCreate,
    claims: AccessClaims | None,
    cart_token: str | None,
    now: datetime | None = None,
) -> Placed:
    """Transaction 1: the order (pending) from the cart at server-side prices, its stock, its
    coupon use and its payment (pending), and the claim's recovery point. Any refusal (stock,
    coupon limit, cart) raises and the caller rolls everything back."""
    moment = now or utcnow()
    # The cart's row lock serializes checkouts of one cart (taken by the load itself).
    cart = await carts_service.load_for_checkout(
        session, cart_id=data.cart_id, claims=claims, cart_token=cart_token, lock=True
    )
    placed_before = await repo.open_order_of_cart(session, cart.id)
    if placed_before is not None:
        raise CheckoutInProgress(placed_before)
    user_id = claims.user_id if claims is not None else cart.user_id
    address = data.shipping_address
    quote = await pricing_service.quote(
        session,
        lines=[PricedLine(line.variant_id, line.unit_price, line.quantity) for line in cart.lines],
        coupon_code=cart.coupon_code,
        shipping_method=data.shipping_method,
        country=address.country,
        region=address.region,
        email=data.email,
        user_id=user_id,
        now=moment,
    )
    totals = quote.totals
    order = await orders_service.create_order(
        session,
        NewOrder(
            user_id=user_id,
            email=data.email,
            currency=cart.currency,
            subtotal=totals.subtotal,
            discount=totals.discount,
            shipping=totals.shipping,
            tax=totals.tax,
            total=totals.total,
            shipping_method=quote.shipping_method.code,
            coupon_code=quote.coupon.code if quote.coupon is not None else None,
            shipping_address=address.stored(),
            billing_address=(data.billing_address or address).stored(),
            cart_id=cart.id,
            lines=[
                NewOrderLine(
                    variant_id=line.variant_id,
                    product_id=line.product_id,
                    product_name=line.product_name,
                    variant_title=line.variant_title,
                    sku=line.sku,
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                    discount=priced.discount,
                    tax=priced.tax,
                    total=priced.total,
                )
                for line, priced in zip(cart.lines, totals.lines, strict=True)
            ],
        ),
        actor=Actor.customer(user_id),
        now=moment,
    )
    await inventory_service.allocate(
        session, [(line.variant_id, line.quantity) for line in cart.lines], order_id=order.id
    )
    if quote.coupon is not None:
        await pricing_service.redeem_coupon(
            session, code=quote.coupon.code, order_id=order.id, email=data.email, user_id=user_id
        )
    payment_id, request = None, None
    if order.total_amount > 0:
        payment = await payments_service.create_payment(
            session,
            order_id=order.id,
            provider=data.payment.provider,
            amount=order.total_amount,
            currency=order.currency,
        )
        payment_id, request = payment.id, _payment_request(payment)
    recovery = Recovery(order.id, payment_id, data.payment.provider, data.payment.token)
    if not await repo.extend_claim(
        session,
        claim.record_id,
        held_until=claim.lease,
        locked_until=claim.lease,
        body=recovery.to_json(),
        keep_body=False,
    ):
        raise IdempotencyKeyInUse()  # our lease ran out and another request took over
    return Placed(order.id, order.number, recovery, request)


# --- settling ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settlement:
    order_id: int
    number: str
    payment_status: PaymentStatus
    failure_code: str | None = None
    money_back: bool = False  # captured for an order that was cancelled meanwhile
    # The order as settled, with its lines, fulfilments and payment: the answer is built from
    # it in the same transaction, without reading the order again.
    view: OrderView | None = None

    @property
    def accepted(self) -> bool:
        return self.payment_status in (PaymentStatus.CAPTURED, PaymentStatus.AUTHORIZED)


async def settle(
    session: AsyncSession,
    *,
    order_id: int,
    payment_id: int | None,
    result: GatewayResult | None,
) -> Settlement:
    """Transaction 2: record the provider's answer (None: it is already recorded, e.g. by a
    webhook) and let the order follow the payment. Repeatable: a second call changes nothing.

    captured -> order paid; authorized (captured later) -> order stays pending; either way the
    cart is closed and the confirmation email queued, once. declined -> order cancelled with
    its stock and coupon use given back, the cart untouched."""
    if payment_id is None:
        order = await orders_service.lock(session, order_id, with_parts=True)
        await orders_service.record_nothing_to_pay(session, order, actor=Actor.system())
        await _confirm(session, order, lines=order.lines)
        view = OrderView(order, None)
        return Settlement(order_id, order.number, PaymentStatus.CAPTURED, view=view)
    if result is not None:
        payment = await payments_service.record_authorization(session, payment_id, result)
    else:
        payment = await payments_service.get_payment(session, payment_id)
    order = await orders_service.lock(session, order_id, with_parts=True)
    view = OrderView(order, payment)  # checkout creates one payment per order
    status = PaymentStatus(payment.status)
    if status is PaymentStatus.CAPTURED:
        await orders_money.record_capture(
            session, order, amount=payment.captured_amount, actor=Actor.system()
        )
        if order.status == OrderStatus.CANCELLED:
            return Settlement(order_id, order.number, status, money_back=True, view=view)
        await _confirm(session, order, lines=order.lines)
    elif status is PaymentStatus.AUTHORIZED:
        await _confirm(session, order, lines=order.lines)
    elif status in (PaymentStatus.DECLINED, PaymentStatus.VOIDED):
        if order.status == OrderStatus.PENDING:
            await orders_service.cancel(
                session,
                order,
                actor=Actor.system(),
                reason=f"payment {status}: {payment.failure_code or 'no reason given'}",
                event="payment_declined",
            )
    return Settlement(order_id, order.number, status, failure_code=payment.failure_code, view=view)


async def _confirm(
    session: AsyncSession, order: Order, *, lines: Sequence[OrderLine] | None = None
) -> None:
    """The payment is accepted: close the cart and queue the confirmation email, once per
    order (checked under the order's lock). `lines`: the order's, when loaded already."""
    if order.status not in (OrderStatus.PENDING, OrderStatus.PAID):
        return
    if await orders_service.has_event(session, order.id, CONFIRMED_EVENT):
        return
    if order.cart_id is not None:
        await carts_service.mark_converted(session, order.cart_id)
    await orders_emails.enqueue_mail(
        session, order, "order_confirmation", key="confirmation", lines=lines
    )
    await orders_service.record_event(session, order, CONFIRMED_EVENT, actor=Actor.system())


async def apply_notification(session: AsyncSession, note: PaymentNotification) -> int | None:
    """A webhook changed a payment (in this transaction): the order follows. Returns the order
    id when money must go back (captured for an order cancelled meanwhile)."""
    actor = Actor(None, f"provider:{note.provider}")
    order = await orders_service.lock(session, note.order_id)
    if note.kind is NotificationKind.CAPTURED:
        await orders_money.record_capture(
            session, order, amount=note.amount, actor=actor, data={"reference": note.reference}
        )
        if order.status == OrderStatus.CANCELLED:
            return order.id
        await _confirm(session, order)
    elif note.kind is NotificationKind.FAILED:
        if order.status == OrderStatus.PENDING:
            await orders_service.cancel(
                session,
                order,
                actor=actor,
                reason=f"payment failed: {note.failure_code or 'no reason given'}",
                event="payment_failed",
            )
    elif note.kind is NotificationKind.REFUNDED and note.refund_id is not None:
        await orders_money.record_refund(
            session, order, amount=note.amount, refund_id=note.refund_id, actor=actor
        )
    return None


async def payment_request(session: AsyncSession, payment_id: int) -> PaymentRequest:
    return _payment_request(await payments_service.get_payment(session, payment_id))


def _payment_request(payment: Payment) -> PaymentRequest:
    return PaymentRequest(
        status=PaymentStatus(payment.status),
        amount=payment.amount,
        currency=payment.currency,
        key=payments_service.authorization_key(payment),
        metadata=payments_service.payment_metadata(payment),
    )


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What `authorize` is sent: the same every time for one payment."""

    status: PaymentStatus
    amount: int
    currency: str
    key: str
    metadata: dict[str, str]
