"""Checkout whose payment the shopper confirms in the browser (Stripe's Payment Element).

    place the order (tx, once per Idempotency-Key) -> create the payment at the provider
    (its client secret goes to the page) -> the browser confirms, 3-D Secure included
    -> the return URL: ask the provider for the outcome and settle (tx)

The order is placed exactly like the API checkout (pending, stock allocated, coupon used) and
its claim is finished in the same transaction, so the reconciliation of unfinished checkouts
never picks it up. The outcome is always read from the provider, never from the browser; the
provider's webhooks remain the source of truth for what settles later (processing, a shopper
who never comes back), and settling twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from shop.auth.tokens import AccessClaims
from shop.checkout import service as checkout_service
from shop.checkout.responses import order_body, problem_body
from shop.checkout.schemas import CheckoutCreate
from shop.checkout.service import Settlement
from shop.checkout.workflows import Answer, Gateways
from shop.db.session import Database
from shop.errors import InvalidInput, NotFound, ShopError
from shop.integrations.payments.base import (
    METADATA_PAYMENT_ID,
    GatewayRejected,
    GatewayResult,
    GatewayStatus,
    GatewayUnavailable,
    PaymentGateway,
)
from shop.integrations.payments.client_confirmation import (
    METADATA_ORDER_NUMBER,
    ClientConfirmedGateway,
    ClientPayment,
    ClientPaymentState,
)
from shop.integrations.payments.registry import get_gateway
from shop.models.orders import OrderStatus
from shop.models.payments import Payment, PaymentStatus
from shop.observability import metrics
from shop.orders import money as orders_money
from shop.orders import service as orders_service
from shop.orders import workflows as orders_workflows
from shop.orders.service import Actor, OrderView
from shop.payments import service as payments_service

log = logging.getLogger(__name__)

# The checkout request's payment token when the browser confirms: there is no card token yet.
CLIENT_CONFIRMATION_TOKEN = "client_confirmation"  # noqa: S105 (a marker, not a secret)
AWAITING_PAYMENT = 202


class ClientConfirmationUnsupported(InvalidInput):
    code = "client_confirmation_unsupported"

    def __init__(self, provider: str) -> None:
        super().__init__(f"the payment provider '{provider}' cannot confirm payments in a browser")


class ForeignPayment(NotFound):
    """The payment named by the browser is not this order's: refused, nothing recorded."""

    code = "payment_not_found"

    def __init__(self) -> None:
        super().__init__("this payment does not belong to that order")


def client_gateway(gateways: Gateways, provider: str) -> ClientConfirmedGateway:
    gateway: PaymentGateway = get_gateway(gateways, provider)
    if not isinstance(gateway, ClientConfirmedGateway):
        raise ClientConfirmationUnsupported(provider)
    return gateway


async def place_order(
    database: Database,
    gateways: Gateways,
    *,
    key: str,
    data: CheckoutCreate,
    claims: AccessClaims | None,
    cart_token: str | None,
) -> Answer:
    """Place the order once per Idempotency-Key and leave its payment to the browser.

    202 {"number"}: placed, awaiting the browser's confirmation; 201 (the order): nothing to
    pay, confirmed already; 4xx problem: refused, nothing written. A repeat replays the first."""
    client_gateway(gateways, data.payment.provider)  # 422 before anything is written
    digest = checkout_service.request_hash(
        data, user_id=claims.user_id if claims else None, cart_token=cart_token
    )
    async with database.transaction() as session:
        claim = await checkout_service.claim(session, key=key, request_hash=digest)
    if claim.replay is not None:
        status, body = claim.replay
        return Answer(status, body, replayed=True)
    try:
        async with database.transaction() as session:
            if claim.recovery is not None:  # placed by a request that died before answering
                order_id, payment_id = claim.recovery.order_id, claim.recovery.payment_id
            else:
                metrics.count_funnel_step("checkout_started")
                placed = await checkout_service.place(
                    session, claim=claim, data=data, claims=claims, cart_token=cart_token
                )
                order_id, payment_id = placed.order_id, placed.recovery.payment_id
            if payment_id is None:  # a zero total: no payment, confirmed at once
                await checkout_service.settle(
                    session, order_id=order_id, payment_id=None, result=None
                )
                status, body = 201, order_body(await orders_service.view(session, order_id))
            else:
                number = (await orders_service.view(session, order_id)).order.number
                status, body = AWAITING_PAYMENT, {"number": number, "order_id": order_id}
            await checkout_service.finish(session, claim, status=status, body=body)
    except ShopError as error:
        if error.status >= 500:
            await _forget(database, claim)
            raise
        # A refusal (stock, coupon, cart ...): nothing was written; remember the answer.
        body = problem_body(error)
        async with database.transaction() as session:
            await checkout_service.finish(session, claim, status=error.status, body=body)
        return Answer(error.status, body)
    except BaseException:
        await _forget(database, claim)
        raise
    return Answer(status, body)


async def _forget(database: Database, claim: checkout_service.Claim) -> None:
    # Nothing was placed (the placing transaction rolled back): the key may be retried.
    async with database.transaction() as session:
        await checkout_service.abandon(session, claim)
        await checkout_service.release(session, claim)


# --- the payment step ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentStep:
    """Where an order's browser-confirmed payment stands. `client` is set when the page can show
    the provider's form (the payment awaits the shopper); `settlement` when the outcome was
    recorded by this call or before it."""

    view: OrderView
    client: ClientPayment | None = None
    settlement: Settlement | None = None
    state: ClientPaymentState | None = None

    @property
    def number(self) -> str:
        return self.view.order.number


def client_payment_key(payment: Payment) -> str:
    """The idempotency key of creating this payment at the provider (not the key `authorize`
    would use: a different request must not share it)."""
    return f"{payments_service.authorization_key(payment)}-client"


async def payment_step(database: Database, gateways: Gateways, order_id: int) -> PaymentStep:
    """The pay page: create the provider's payment the first time (same idempotency key on
    every try, so there is only ever one), read it afterwards. If the shopper already paid
    (a reload, a slow webhook), the outcome is recorded here."""
    async with database.transaction() as session:  # the primary: placed a moment ago
        view = await orders_service.view(session, order_id)
    payment = view.payment
    if (
        payment is None
        or payment.status != PaymentStatus.PENDING
        or view.order.status != OrderStatus.PENDING
    ):
        return PaymentStep(view)
    gateway = client_gateway(gateways, payment.provider)
    if payment.provider_reference is None:
        client = await gateway.create_client_payment(
            amount=payment.amount,
            currency=payment.currency,
            idempotency_key=client_payment_key(payment),
            metadata={
                **payments_service.payment_metadata(payment),
                METADATA_ORDER_NUMBER: view.order.number,
            },
        )
        async with database.transaction() as session:
            payment = await payments_service.attach_reference(session, payment.id, client.reference)
        if payment.provider_reference != client.reference:
            raise ForeignPayment()  # cannot happen while the idempotency key holds
    else:
        client = await gateway.retrieve_client_payment(payment.provider_reference)
    if client.result is not None:
        return await _settle(database, gateways, view, payment, client)
    if client.state is ClientPaymentState.PROCESSING:  # nothing for the shopper to do
        return PaymentStep(view, state=client.state)
    return PaymentStep(view, client=client, state=client.state)


async def confirm_returned_payment(
    database: Database, gateways: Gateways, order_id: int, *, reference: str
) -> PaymentStep:
    """The browser came back from the provider naming a payment: if it is this order's, ask
    the provider how it went and record that. Raises ForeignPayment (nothing recorded) for a
    payment of another order, or one the provider does not know; GatewayUnavailable when the
    provider cannot be asked now."""
    async with database.transaction() as session:
        view = await orders_service.view(session, order_id)
    payment = view.payment
    if payment is None or payment.provider_reference is None:
        raise ForeignPayment()
    if payment.provider_reference != reference:
        raise ForeignPayment()
    gateway = client_gateway(gateways, payment.provider)
    try:
        client = await gateway.retrieve_client_payment(reference)
    except GatewayRejected as exc:
        raise ForeignPayment() from exc
    if client.metadata.get(METADATA_PAYMENT_ID) != str(payment.id):
        raise ForeignPayment()  # our reference, yet not created by us for this payment
    if client.result is None:
        return PaymentStep(view, state=client.state)
    return await _settle(database, gateways, view, payment, client)


async def _settle(
    database: Database,
    gateways: Gateways,
    view: OrderView,
    payment: Payment,
    client: ClientPayment,
) -> PaymentStep:
    order_id = view.order.id
    async with database.transaction() as session:
        before = await payments_service.get_payment(session, payment.id)
        settlement = await checkout_service.settle(
            session, order_id=order_id, payment_id=payment.id, result=client.result
        )
        view = await orders_service.view(session, order_id)
    if (
        before.status == PaymentStatus.PENDING
        and settlement.payment_status != PaymentStatus.PENDING
    ):
        metrics.record_payment(provider=payment.provider, outcome=settlement.payment_status)
        if settlement.accepted and not settlement.money_back:
            metrics.record_order_placed(
                total_minor=view.order.total_amount, currency=view.order.currency
            )
    if settlement.money_back:  # captured for an order cancelled meanwhile
        await orders_workflows.return_money(database, gateways, order_id, actor=Actor.system())
    elif client.state is ClientPaymentState.FAILED:
        await _cancel_at_provider(gateways, payment, client.reference, why="failed")
    return PaymentStep(view, settlement=settlement, state=client.state)


def _void_key(payment: Payment, why: str) -> str:
    # One key per reason: a refusal stored under one (Stripe may keep it) must not answer the
    # other.
    return f"{payments_service.authorization_key(payment)}-void-{why}"


async def _cancel_at_provider(
    gateways: Gateways, payment: Payment, reference: str, *, why: str
) -> None:
    """The order is cancelled: the page that holds the client secret must not be able to pay
    it later. Best effort: if it does anyway, the capture webhook leads to a refund."""
    gateway = gateways.get(payment.provider)
    if gateway is None:
        return
    try:
        await gateway.void(reference=reference, idempotency_key=_void_key(payment, why))
    except (GatewayUnavailable, GatewayRejected):
        pass


async def give_up_payment(
    database: Database, gateways: Gateways, order_id: int, *, user_id: int | None
) -> PaymentStep:
    """The shopper leaves the pay page to change the cart or the address: the order is
    cancelled (stock and coupon back, the cart as it was) and the provider's payment cancelled
    first, so that the client secret on the page can no longer pay it. If the provider says it
    was paid meanwhile (or is processing), that is recorded instead and nothing is cancelled."""
    return await _cancel_unpaid(
        database,
        gateways,
        order_id,
        actor=Actor.customer(user_id),
        reason="the customer left the payment page to change the order",
        by_customer=True,
    )


async def expire_unpaid_orders(
    database: Database, gateways: Gateways, *, older_than: timedelta
) -> int:
    """Orders whose shopper never paid in the browser hold stock and a coupon use: after
    `older_than` they are cancelled the same way (the provider's payment first; one that was
    paid or is processing meanwhile is recorded instead). Returns how many were cancelled;
    those the provider cannot be asked about now wait for the next pass."""
    providers = [
        name for name, gateway in gateways.items() if isinstance(gateway, ClientConfirmedGateway)
    ]
    if not providers:
        return 0
    async with database.read() as session:
        order_ids = await orders_money.unpaid_orders(
            session, providers=providers, older_than=older_than
        )
    cancelled = 0
    for order_id in order_ids:
        try:
            step = await _cancel_unpaid(
                database,
                gateways,
                order_id,
                actor=Actor.system(),
                reason=f"not paid within {older_than.total_seconds() / 60:.0f} minutes",
                by_customer=False,
            )
        except (GatewayUnavailable, GatewayRejected) as exc:
            # One order the provider will not settle now must not hold up the others (nor the
            # rest of the reconciliation pass); it is tried again on the next pass.
            log.warning("unpaid order %d not expired yet: %s", order_id, exc.message)
            continue
        cancelled += step.view.order.status == OrderStatus.CANCELLED
    return cancelled


async def _cancel_unpaid(
    database: Database,
    gateways: Gateways,
    order_id: int,
    *,
    actor: Actor,
    reason: str,
    by_customer: bool,
) -> PaymentStep:
    async with database.transaction() as session:
        view = await orders_service.view(session, order_id)
    payment = view.payment
    if (
        payment is None
        or payment.status != PaymentStatus.PENDING
        or view.order.status != OrderStatus.PENDING
    ):
        return PaymentStep(view)
    gateway = client_gateway(gateways, payment.provider)
    if payment.provider_reference is not None:
        try:
            await gateway.void(
                reference=payment.provider_reference,
                idempotency_key=_void_key(payment, "abandoned"),
            )
        except GatewayRejected:
            # Not cancellable any more: it succeeded or is processing. Follow the provider.
            client = await gateway.retrieve_client_payment(payment.provider_reference)
            if client.result is None:
                return PaymentStep(view, state=client.state)
            return await _settle(database, gateways, view, payment, client)
    voided = GatewayResult(GatewayStatus.VOIDED, payment.provider_reference)
    async with database.transaction() as session:
        await payments_service.record_authorization(session, payment.id, voided)
        order = await orders_service.lock(session, order_id)
        if order.status == OrderStatus.PENDING:
            await orders_service.cancel(
                session, order, actor=actor, reason=reason, by_customer=by_customer
            )
        view = await orders_service.view(session, order_id)
    return PaymentStep(view)
