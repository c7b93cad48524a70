"""Payment records: what we asked a provider, what it answered, refunds, and its webhooks.

Never commits and never calls a provider: callers follow "record, commit, call, record" (no
remote call inside a write transaction). A typical checkout:

    tx1: payment = await create_payment(session, order_id=..., provider=..., amount=..., ...)
    call: result = await gateway.authorize(..., idempotency_key=authorization_key(payment),
                                           metadata=payment_metadata(payment))
    tx2: payment = await record_authorization(session, payment.id, result)

Every state change is a conditional UPDATE, so the checkout's record and a concurrent webhook
about the same payment apply once between them, whatever the order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shop.config import Settings
from shop.integrations.payments.base import (
    METADATA_ORDER_ID,
    METADATA_PAYMENT_ID,
    METADATA_REFUND_ID,
    GatewayResult,
    GatewayStatus,
    NotificationKind,
    RefundResult,
    RefundStatus,
    WebhookEvent,
)
from shop.integrations.payments.registry import parse_webhook
from shop.kit.clock import utcnow
from shop.models.payments import Payment, PaymentEvent, PaymentStatus, Refund
from shop.payments import repository as repo
from shop.payments.errors import (
    InvalidRefundAmount,
    PaymentNotFound,
    PaymentNotRefundable,
    RefundExceedsCaptured,
    RefundNotFound,
)

log = logging.getLogger(__name__)

_NOT_CAPTURED = [s for s in PaymentStatus if s is not PaymentStatus.CAPTURED]
_OPEN = [PaymentStatus.PENDING, PaymentStatus.AUTHORIZED]


@dataclass(frozen=True, slots=True)
class PaymentNotification:
    """A change to a payment that the order must follow (captured -> paid, failed -> cancel,
    refunded -> refunded amount). Returned only by the call that applied the change, once."""

    kind: NotificationKind
    provider: str
    reference: str
    amount: int  # captured amount | payment amount | this refund's amount
    order_id: int
    payment_id: int
    currency: str
    failure_code: str | None = None
    refund_id: int | None = None


@dataclass(frozen=True, slots=True)
class RecordedRefund:
    refund: Refund
    newly_refunded: bool  # True only for the call that moved the money into refunded_amount


# Payments


async def create_payment(
    session: AsyncSession, *, order_id: int, provider: str, amount: int, currency: str
) -> Payment:
    """A pending payment, before the provider is called (its id goes into the metadata)."""
    if amount <= 0:
        raise ValueError("a payment amount must be positive")  # the checkout never asks for 0
    payment = Payment(
        order_id=order_id,
        provider=provider,
        amount=amount,
        currency=currency,
        status=PaymentStatus.PENDING,
        captured_amount=0,
        refunded_amount=0,
    )
    return await repo.insert_payment(session, payment)


def payment_metadata(payment: Payment) -> dict[str, str]:
    """Send this with `authorize`: the provider echoes it in webhooks, so an event finds its
    payment even if it arrives before `record_authorization` has stored the reference."""
    return {METADATA_PAYMENT_ID: str(payment.id), METADATA_ORDER_ID: str(payment.order_id)}


def authorization_key(payment: Payment) -> str:
    """The idempotency key of this payment's `authorize`. Repeating the call with it (and the
    same arguments) replays the provider's outcome: that is how an unknown outcome is resolved.
    The creation time keeps keys unique across databases that reuse ids (a reset dev shop
    sharing one provider account)."""
    return f"shopwright-payment-{payment.id}-{_micros(payment.created_at)}"


async def attach_reference(session: AsyncSession, payment_id: int, reference: str) -> Payment:
    """Remember the provider's id of a payment created before its outcome is known (one the
    browser confirms). The first reference stays: the provider's idempotency key makes every
    creation of this payment answer the same id."""
    await repo.set_reference_if_missing(session, payment_id, reference)
    return await get_payment(session, payment_id)


async def get_payment(session: AsyncSession, payment_id: int) -> Payment:
    payment = await repo.get_payment(session, payment_id)
    if payment is None:
        raise PaymentNotFound(payment_id)
    return payment


async def payments_for_order(session: AsyncSession, order_id: int) -> list[Payment]:
    return await repo.payments_for_order(session, order_id)


async def stale_pending_payments(
    session: AsyncSession,
    *,
    older_than: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
    limit: int = 100,
) -> list[Payment]:
    """Payments whose authorize outcome was never recorded (GatewayUnavailable, a crash): the
    reconciliation job re-sends `authorize` with `authorization_key(payment)` and records it."""
    moment = now or utcnow()
    return await repo.pending_payments(session, created_before=moment - older_than, limit=limit)


async def record_authorization(
    session: AsyncSession, payment_id: int, result: GatewayResult
) -> Payment:
    """Record what the provider answered to authorize (or capture, or void). A result that
    arrives after a webhook already moved the payment on changes nothing.

    One conditional UPDATE .. RETURNING when it applies (the usual case); only when it does not
    is the payment read (and its reference filled in if still missing)."""
    if result.status is GatewayStatus.CAPTURED:
        captured = result.amount
        if captured is None:
            captured = (await get_payment(session, payment_id)).amount
        changed = await repo.update_payment_returning(
            session,
            payment_id,
            from_statuses=_NOT_CAPTURED,
            reference=result.reference,
            min_captured=captured,
            status=PaymentStatus.CAPTURED,
            captured_amount=captured,
            failure_code=None,
        )
    elif result.status is GatewayStatus.AUTHORIZED:
        changed = await repo.update_payment_returning(
            session,
            payment_id,
            from_statuses=[PaymentStatus.PENDING],
            reference=result.reference,
            status=PaymentStatus.AUTHORIZED,
        )
    elif result.status is GatewayStatus.DECLINED:
        changed = await repo.update_payment_returning(
            session,
            payment_id,
            from_statuses=_OPEN,
            reference=result.reference,
            status=PaymentStatus.DECLINED,
            failure_code=(result.failure_code or "declined")[:60],
        )
    else:
        changed = await repo.update_payment_returning(
            session,
            payment_id,
            from_statuses=_OPEN,
            reference=result.reference,
            status=PaymentStatus.VOIDED,
        )
    if changed is not None:
        return changed
    if result.reference is not None:
        await repo.set_reference_if_missing(session, payment_id, result.reference)
    return await get_payment(session, payment_id)


# Refunds


async def refundable_amount(session: AsyncSession, payment_id: int) -> int:
    """Captured − refunded − refunds still in progress: what a new refund may ask for."""
    payment = await get_payment(session, payment_id)
    return await _refundable(session, payment)


async def _refundable(session: AsyncSession, payment: Payment) -> int:
    if payment.status != PaymentStatus.CAPTURED:
        return 0
    pending = await repo.pending_refund_total(session, payment.id)
    return max(0, payment.captured_amount - payment.refunded_amount - pending)


async def begin_refund(
    session: AsyncSession,
    payment_id: int,
    *,
    amount: int,
    reason: str = "",
    actor_user_id: int | None = None,
    now: datetime | None = None,
) -> Refund:
    """Reserve a refund (pending) before calling the provider. The payment row is locked, so two
    concurrent refunds cannot both pass the check; the pending amount counts against later ones
    until `record_refund` settles it."""
    if amount <= 0:
        raise InvalidRefundAmount(amount)
    payment = await repo.get_payment(session, payment_id, for_update=True)
    if payment is None:
        raise PaymentNotFound(payment_id)
    if payment.status != PaymentStatus.CAPTURED or payment.provider_reference is None:
        raise PaymentNotRefundable(str(payment.status))
    refundable = await _refundable(session, payment)
    if amount > refundable:
        raise RefundExceedsCaptured(requested=amount, refundable=refundable)
    refund = Refund(
        order_id=payment.order_id,
        payment_id=payment.id,
        amount=amount,
        reason=reason[:500],
        status=repo.REFUND_PENDING,
        created_by_user_id=actor_user_id,
        created_at=now or utcnow(),
    )
    return await repo.insert_refund(session, refund)


def refund_key(refund: Refund) -> str:
    """The idempotency key of this refund's provider call."""
    return f"shopwright-refund-{refund.id}-{_micros(refund.created_at)}"


def refund_metadata(refund: Refund) -> dict[str, str]:
    return {
        METADATA_REFUND_ID: str(refund.id),
        METADATA_PAYMENT_ID: str(refund.payment_id),
        METADATA_ORDER_ID: str(refund.order_id),
    }


async def record_refund(
    session: AsyncSession, refund_id: int, result: RefundResult
) -> RecordedRefund:
    """Record the provider's answer to a refund begun with `begin_refund`. Succeeded: the refund
    moves into the payment's refunded_amount, once (a webhook may have done it already). Failed:
    the reservation is released. Pending: the reference is kept; a webhook settles it."""
    refund = await repo.get_refund(session, refund_id)
    if refund is None:
        raise RefundNotFound(refund_id)
    # Same lock order as the webhook path: payment first.
    await repo.get_payment(session, refund.payment_id, for_update=True)
    newly_refunded = False
    if result.status is RefundStatus.SUCCEEDED:
        newly_refunded = await _settle_refund(session, refund, result.reference)
    elif result.status is RefundStatus.FAILED:
        await repo.update_refund_if_pending(
            session, refund_id, status=repo.REFUND_FAILED, reference=result.reference
        )
    elif result.reference is not None:
        await repo.set_refund_reference_if_missing(session, refund_id, result.reference)
    settled = await repo.get_refund(session, refund_id)
    if settled is None:
        raise RefundNotFound(refund_id)
    return RecordedRefund(settled, newly_refunded)


async def _settle_refund(session: AsyncSession, refund: Refund, reference: str | None) -> bool:
    if not await repo.update_refund_if_pending(
        session, refund.id, status=repo.REFUND_SUCCEEDED, reference=reference
    ):
        return False  # already settled (or failed) by someone else
    if not await repo.add_refunded(session, refund.payment_id, refund.amount):
        # begin_refund reserved this amount under the payment lock; only books changed behind
        # our back can get here. Fail loudly rather than break the captured/refunded invariant.
        raise RuntimeError(f"refund {refund.id} would exceed the captured amount")
    return True


async def refunds_for_order(session: AsyncSession, order_id: int) -> list[Refund]:
    return await repo.refunds_for_order(session, order_id)


# Webhooks


async def receive_webhook(
    session: AsyncSession,
    *,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    settings: Settings,
    now: datetime | None = None,
) -> PaymentNotification | None:
    """Verify, record (once per provider event id) and apply a provider's webhook.

    Raises UnknownWebhookProvider (404) or WebhookRejected (400 invalid_signature |
    stale_signature | invalid_payload) before anything is written. Returns None for a replayed or
    concurrent duplicate, an event type we do not act on, or a change that was already applied;
    otherwise the notification the order must follow, in this same transaction."""
    moment = now or utcnow()
    event = parse_webhook(
        provider=provider, headers=headers, body=body, settings=settings, now=moment
    )
    record = PaymentEvent(
        provider=event.provider,
        event_id=event.event_id,
        type=event.type,
        payload=event.payload,
        received_at=moment,
        processed_at=None,
    )
    if not await repo.insert_event(session, record):
        return None  # seen before: a replay, or a concurrent delivery that got here first
    kind = event.kind
    if kind is None:
        await repo.mark_event_processed(session, record, moment)
        return None
    payment = await _payment_for_event(session, event)
    if payment is None:
        # Kept unprocessed (processed_at NULL) for a person to look at; answering 2xx stops the
        # provider from retrying something that cannot succeed.
        log.warning(
            "webhook %s %s names no payment of ours (%s)",
            event.provider,
            event.event_id,
            event.reference,
        )
        return None
    notification = await _apply(session, payment, event, kind, moment)
    await repo.mark_event_processed(session, record, moment)
    return notification


async def _payment_for_event(session: AsyncSession, event: WebhookEvent) -> Payment | None:
    if event.payment_id is not None:
        payment = await repo.get_payment(session, event.payment_id, for_update=True)
        if (
            payment is not None
            and payment.provider == event.provider
            and payment.provider_reference in (None, event.reference)
        ):
            return payment
    if event.reference is None:
        return None
    return await repo.get_payment_by_reference(
        session, provider=event.provider, reference=event.reference, for_update=True
    )


async def _apply(
    session: AsyncSession,
    payment: Payment,
    event: WebhookEvent,
    kind: NotificationKind,
    now: datetime,
) -> PaymentNotification | None:
    amount = event.amount if event.amount is not None else payment.amount
    reference = event.reference or payment.provider_reference or ""
    changed = False
    refund_id: int | None = None
    if kind is NotificationKind.CAPTURED:
        # The provider has the money, whatever we thought: captured unless already captured.
        changed = await repo.update_payment_if(
            session,
            payment.id,
            from_statuses=_NOT_CAPTURED,
            reference=event.reference,
            min_captured=amount,
            status=PaymentStatus.CAPTURED,
            captured_amount=amount,
            failure_code=None,
        )
    elif kind is NotificationKind.FAILED:
        amount = payment.amount
        changed = await repo.update_payment_if(
            session,
            payment.id,
            from_statuses=_OPEN,
            reference=event.reference,
            status=PaymentStatus.DECLINED,
            failure_code=(event.failure_code or "payment_failed")[:60],
        )
    else:
        refund_id, changed = await _apply_refund(session, payment, event, amount, now)
        if refund_id is not None:
            settled = await repo.get_refund(session, refund_id)
            amount = settled.amount if settled is not None else amount
    if not changed:
        return None
    return PaymentNotification(
        kind=kind,
        provider=payment.provider,
        reference=reference,
        amount=amount,
        order_id=payment.order_id,
        payment_id=payment.id,
        currency=payment.currency,
        failure_code=event.failure_code if kind is NotificationKind.FAILED else None,
        refund_id=refund_id,
    )


async def _apply_refund(
    session: AsyncSession, payment: Payment, event: WebhookEvent, amount: int, now: datetime
) -> tuple[int | None, bool]:
    """(refund id, changed). Our own refund (named in the metadata, or by its reference) is
    settled once; a refund made at the provider directly is recorded as a new one."""
    ours = await repo.get_refund(session, event.refund_id) if event.refund_id else None
    if ours is not None and ours.payment_id == payment.id:
        return ours.id, await _settle_refund(session, ours, event.refund_reference)
    if event.refund_reference is not None:
        known = await repo.get_refund_by_reference(
            session, payment_id=payment.id, reference=event.refund_reference
        )
        if known is not None:
            if known.status == repo.REFUND_PENDING:
                return known.id, await _settle_refund(session, known, event.refund_reference)
            return known.id, False
    if amount <= 0 or not await repo.add_refunded(session, payment.id, amount):
        log.warning("refund event %s exceeds what was captured; ignored", event.event_id)
        return None, False
    refund = await repo.insert_refund(
        session,
        Refund(
            order_id=payment.order_id,
            payment_id=payment.id,
            amount=amount,
            reason=f"refunded at {payment.provider}",
            provider_reference=event.refund_reference,
            status=repo.REFUND_SUCCEEDED,
            created_at=now,
        ),
    )
    return refund.id, True


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
