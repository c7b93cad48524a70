"""The transaction boundaries of checkout and of its reconciliation.

    claim the key (tx) -> place the order (tx1) -> authorize at the provider -> settle (tx2)

No remote call happens inside a transaction. If the provider cannot be reached, the order stays
pending with its payment pending, the claim keeps a recovery point, and either a retry with the
same Idempotency-Key or the periodic reconciliation asks the provider again with the payment's
idempotency key (which replays the provider's first answer) and settles.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shop.auth.tokens import AccessClaims
from shop.checkout import service as checkout_service
from shop.checkout.errors import PaymentDeclined, PaymentOutcomeUnknown
from shop.checkout.responses import order_body, problem_body
from shop.checkout.schemas import CheckoutCreate
from shop.checkout.service import Claim, PaymentRequest, Recovery
from shop.config import Settings
from shop.db.session import Database
from shop.errors import ShopError
from shop.integrations.payments.base import (
    GatewayRejected,
    GatewayResult,
    GatewayStatus,
    GatewayUnavailable,
    PaymentGateway,
)
from shop.integrations.payments.registry import get_gateway
from shop.kit.clock import utcnow
from shop.models.payments import PaymentStatus
from shop.observability import metrics
from shop.orders import service as orders_service
from shop.orders import workflows as orders_workflows
from shop.orders.service import Actor
from shop.payments import service as payments_service

log = logging.getLogger(__name__)

Gateways = Mapping[str, PaymentGateway]
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


async def checkout(
    database: Database,
    gateways: Gateways,
    *,
    key: str,
    data: CheckoutCreate,
    claims: AccessClaims | None,
    cart_token: str | None,
) -> Answer:
    """Place and pay for an order, once per Idempotency-Key."""
    gateway = get_gateway(gateways, data.payment.provider)  # 422 before anything is written
    digest = checkout_service.request_hash(
        data, user_id=claims.user_id if claims else None, cart_token=cart_token
    )
    async with database.transaction() as session:
        claim = await checkout_service.claim(session, key=key, request_hash=digest)
    if claim.replay is not None:
        status, body = claim.replay
        return Answer(status, body, replayed=True)
    try:
        recovery = claim.recovery
        if recovery is None:
            metrics.count_funnel_step("checkout_started")
            try:
                async with database.transaction() as session:
                    placed = await checkout_service.place(
                        session, claim=claim, data=data, claims=claims, cart_token=cart_token
                    )
            except ShopError as error:
                if error.status >= 500:
                    raise
                # A refusal (stock, coupon, cart ...): nothing was written; remember the answer.
                body = problem_body(error)
                async with database.transaction() as session:
                    await checkout_service.finish(session, claim, status=error.status, body=body)
                return Answer(error.status, body)
            return await _pay(database, gateways, gateway, claim, placed.recovery, placed.request)
        return await _pay(database, gateways, gateway, claim, recovery)
    except PaymentOutcomeUnknown:
        metrics.record_order_processing_error("payment_outcome_unknown")
        raise
    except BaseException as exc:
        if isinstance(exc, Exception):
            metrics.record_order_processing_error("unexpected")
        # Unexpected (or the client went away): let the key be retried.
        async with database.transaction() as session:
            await checkout_service.abandon(session, claim)  # only if no order was placed
            await checkout_service.release(session, claim)
        raise


async def _pay(
    database: Database,
    gateways: Gateways,
    gateway: PaymentGateway,
    claim: Claim,
    recovery: Recovery,
    request: PaymentRequest | None = None,
) -> Answer:
    """Ask the provider (unless the payment's outcome is known already) and settle. `request`
    comes from the placing transaction; when resuming it is read again."""
    result: GatewayResult | None = None
    if recovery.payment_id is not None:
        if request is None:
            # The primary, not a replica: the outcome may have been recorded a moment ago.
            async with database.transaction() as session:
                request = await checkout_service.payment_request(session, recovery.payment_id)
        if request.status is PaymentStatus.PENDING:
            try:
                result = await gateway.authorize(
                    amount=request.amount,
                    currency=request.currency,
                    token=recovery.token,
                    idempotency_key=request.key,
                    metadata=request.metadata,
                )
            except GatewayUnavailable as exc:
                async with database.transaction() as session:
                    await checkout_service.release(session, claim)
                    number = (await orders_service.view(session, recovery.order_id)).order.number
                raise PaymentOutcomeUnknown(
                    order_number=number, retry_after=RETRY_AFTER_SECONDS
                ) from exc
            except GatewayRejected as exc:
                # The provider refused the request itself (e.g. an unknown token): nothing was
                # charged, so this is a decline with the provider's code.
                result = GatewayResult(
                    status=GatewayStatus.DECLINED,
                    reference=None,
                    failure_code=exc.code,
                    message=exc.message,
                )
    async with database.transaction() as session:
        settlement = await checkout_service.settle(
            session, order_id=recovery.order_id, payment_id=recovery.payment_id, result=result
        )
        known = settlement.payment_status is not PaymentStatus.PENDING
        if known and settlement.accepted:
            view = settlement.view or await orders_service.view(session, recovery.order_id)
            status, body = 201, order_body(view)
        elif known:
            error = PaymentDeclined(
                failure_code=settlement.failure_code, order_number=settlement.number
            )
            status, body = error.status, problem_body(error)
        if known:
            await checkout_service.finish(session, claim, status=status, body=body)
    if not known:
        # Cannot follow an answer of the provider; kept safe: nothing is stored, retry later.
        async with database.transaction() as session:
            await checkout_service.release(session, claim)
        raise PaymentOutcomeUnknown(order_number=settlement.number, retry_after=RETRY_AFTER_SECONDS)
    if recovery.payment_id is not None:
        metrics.record_payment(provider=recovery.provider, outcome=settlement.payment_status)
    if status == 201:
        order = view.order
        metrics.record_order_placed(total_minor=order.total_amount, currency=order.currency)
    if settlement.money_back:
        await orders_workflows.return_money(
            database, gateways, recovery.order_id, actor=Actor.system()
        )
    return Answer(status, body)


async def resume_stale_checkouts(database: Database, gateways: Gateways) -> int:
    """Finish checkouts whose outcome was never recorded (provider unreachable, process died
    after placing the order) and whose client did not retry. Returns how many were settled."""
    async with database.read() as session:
        stale = await checkout_service.stale_claims(session)
    settled = 0
    for record_id, held_until in stale:
        try:
            async with database.transaction() as session:
                claim = await checkout_service.take_over(
                    session, record_id, held_until=held_until, now=utcnow()
                )
        except ShopError:
            continue  # someone else took it over first
        if claim.recovery is None:
            continue
        gateway = gateways.get(claim.recovery.provider)
        if gateway is None:
            log.error("no gateway %s to resume checkout %s", claim.recovery.provider, record_id)
            continue
        try:
            await _pay(database, gateways, gateway, claim, claim.recovery)
            settled += 1
        except PaymentOutcomeUnknown:
            log.warning("checkout %s: the provider is still unavailable", record_id)
    return settled


async def apply_webhook(
    database: Database,
    gateways: Gateways,
    *,
    settings: Settings,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> None:
    """Record a provider's webhook once and let the order follow, in one transaction. A
    capture for an order cancelled meanwhile is then refunded (after commit)."""
    async with database.transaction() as session:
        note = await payments_service.receive_webhook(
            session, provider=provider, headers=headers, body=body, settings=settings, now=now
        )
        money_back = None
        if note is not None:
            money_back = await checkout_service.apply_notification(session, note)
    if money_back is not None:
        await orders_workflows.return_money(
            database, gateways, money_back, actor=Actor(None, f"provider:{provider}")
        )
