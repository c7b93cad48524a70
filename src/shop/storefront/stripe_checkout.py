"""Paying with Stripe's Payment Element: the pay page and the return URL.

`POST /checkout` (checkout_pages) places the order and redirects to the pay page, which creates
the PaymentIntent (once) and renders its client secret into `data-client-secret` for
`/static/stripe-checkout.js`. That script mounts the Payment Element and calls
`stripe.confirmPayment` (3-D Secure included); Stripe sends the browser back to the return
URL, where the shop asks Stripe for the outcome (never the query string) and settles.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from shop.auth.browser_session import OptionalShopper, Shopper
from shop.checkout import client_payments
from shop.checkout.client_payments import PaymentStep
from shop.db.session import Database
from shop.errors import NotFound
from shop.integrations.payments.base import GatewayUnavailable
from shop.integrations.payments.client_confirmation import ClientPaymentState
from shop.models.orders import Order, OrderStatus
from shop.models.payments import PaymentStatus
from shop.orders.dependencies import GatewaysDep
from shop.storefront.checkout_form import ADDRESS_PARTS, CheckoutValues
from shop.storefront.checkout_pages import cart_or_redirect, render_checkout, visible_order
from shop.storefront.stripe_payment import (
    STRIPE_CANCEL_PATH,
    STRIPE_CSP,
    STRIPE_PAY_PATH,
    STRIPE_RETURN_PATH,
)
from shop.web.dependencies import DatabaseDep
from shop.web.pages.chrome import PageChrome, chrome_for
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.errors import error_page
from shop.web.pages.flash import flash
from shop.web.pages.rendering import render
from shop.web.pages.responses import see_other

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

OrderNumber = Annotated[str, Path(min_length=1, max_length=20)]
OrderQuery = Annotated[str, Query(min_length=1, max_length=20)]
# Stripe's PaymentIntent ids: pi_ and letters/digits. Anything else is not worth a call.
PaymentIntentQuery = Annotated[str, Query(pattern=r"^pi_[A-Za-z0-9_]{1,200}$")]

STRIPE_UNREACHABLE = (
    "We could not reach our payment provider just now. Your order is kept and nothing was "
    "charged twice: please reload this page in a moment."
)
STRIPE_NOT_CONFIGURED = "Card payments are not available right now. Please try again later."
_FAILURE_WORDS = {
    "payment_intent_authentication_failure": "your bank's verification was not completed",
    "authentication_required": "your bank's verification was not completed",
    "generic_decline": "the card was declined",
    "card_declined": "the card was declined",
}


def _return_url(request: Request, number: str) -> str:
    public_url: str = request.app.state.settings.public_url
    return f"{public_url.rstrip('/')}{STRIPE_RETURN_PATH}?{urlencode({'order': number})}"


async def _order_for_visitor(
    request: Request, database: Database, number: str, shopper: Shopper | None
) -> int:
    """The order's id if this browser may see it (its customer, or the guest who placed it);
    404 otherwise. Read on the primary: the order was placed a moment ago."""
    async with database.transaction() as session:
        return (await visible_order(request, session, number, shopper)).order.id


@router.get(f"{STRIPE_PAY_PATH}/{{number}}")
async def pay_page(
    request: Request,
    number: OrderNumber,
    database: DatabaseDep,
    gateways: GatewaysDep,
    shopper: OptionalShopper,
) -> Response:
    chrome = await chrome_for(request)
    if "stripe" not in gateways:
        raise NotFound("This shop does not take payments with Stripe.")
    publishable_key: str | None = request.app.state.settings.stripe_publishable_key
    if not publishable_key:
        log.error("the Stripe pay page needs SHOP_STRIPE_PUBLISHABLE_KEY")
        return await error_page(request, 503, STRIPE_NOT_CONFIGURED, chrome=chrome)
    order_id = await _order_for_visitor(request, database, number, shopper)
    try:
        step = await client_payments.payment_step(database, gateways, order_id)
    except GatewayUnavailable:
        return await error_page(request, 503, STRIPE_UNREACHABLE, chrome=chrome)
    if step.client is None:
        return await _after_payment(request, database, shopper, step, chrome)
    order = step.view.order
    return await render(
        request,
        "storefront/stripe_pay.html",
        {
            "order": order,
            "client_secret": step.client.client_secret,
            "publishable_key": publishable_key,
            "return_url": _return_url(request, order.number),
            "cancel_url": f"{STRIPE_CANCEL_PATH}/{order.number}",
            "retrying": step.state is ClientPaymentState.REQUIRES_ACTION,
        },
        # The client secret confirms this payment: kept by no cache, not even the browser's.
        headers={"Content-Security-Policy": STRIPE_CSP, "Cache-Control": "no-store"},
        chrome=chrome,
    )


@router.post(f"{STRIPE_CANCEL_PATH}/{{number}}")
async def give_up_payment(
    request: Request,
    number: OrderNumber,
    database: DatabaseDep,
    gateways: GatewaysDep,
    shopper: OptionalShopper,
    _csrf: CsrfProtected,
) -> Response:
    """The pay page's "Cancel this order and change the cart": the cart stays as it was."""
    order_id = await _order_for_visitor(request, database, number, shopper)
    try:
        step = await client_payments.give_up_payment(
            database, gateways, order_id, user_id=shopper.user_id if shopper else None
        )
    except GatewayUnavailable:
        return await error_page(request, 503, STRIPE_UNREACHABLE)
    if step.view.order.status != OrderStatus.CANCELLED:  # paid (or processing) meanwhile
        return see_other(f"{STRIPE_PAY_PATH}/{step.number}")
    response = see_other("/cart")
    flash(response, request, f"Order {step.number} was cancelled; your cart is unchanged.")
    return response


@router.get(STRIPE_RETURN_PATH)
async def return_page(
    request: Request,
    database: DatabaseDep,
    gateways: GatewaysDep,
    shopper: OptionalShopper,
    order: OrderQuery,
    payment_intent: PaymentIntentQuery,
) -> Response:
    """Stripe adds `payment_intent`, `payment_intent_client_secret` and `redirect_status`;
    only the id is used, to ask Stripe itself, and only if it is this order's payment."""
    chrome = await chrome_for(request)
    order_id = await _order_for_visitor(request, database, order, shopper)
    try:
        step = await client_payments.confirm_returned_payment(
            database, gateways, order_id, reference=payment_intent
        )
    except GatewayUnavailable:
        return await error_page(request, 503, STRIPE_UNREACHABLE, chrome=chrome)
    if step.state is ClientPaymentState.AWAITING_PAYMENT_METHOD:
        return see_other(f"{STRIPE_PAY_PATH}/{step.number}")  # nothing was tried yet
    return await _after_payment(request, database, shopper, step, chrome)


async def _after_payment(
    request: Request,
    database: Database,
    shopper: Shopper | None,
    step: PaymentStep,
    chrome: PageChrome,
) -> Response:
    order, payment = step.view.order, step.view.payment
    if order.status == OrderStatus.CANCELLED:
        failure = (step.settlement.failure_code if step.settlement else None) or (
            payment.failure_code if payment else None
        )
        return await _failed(request, database, shopper, order, failure, chrome)
    if order.status == OrderStatus.PENDING and (
        payment is not None and payment.status == PaymentStatus.PENDING
    ):
        return await render(
            request,
            "storefront/stripe_pending.html",
            {"order": order, "state": str(step.state or ClientPaymentState.PROCESSING)},
            chrome=chrome,
        )
    return see_other(f"/checkout/confirmation/{order.number}")


def _explain_failure(failure_code: str | None) -> str:
    reason = _FAILURE_WORDS.get(failure_code or "", (failure_code or "").replace("_", " "))
    return (
        "Your payment was not completed"
        + (f" ({reason})" if reason else "")
        + ". Nothing was charged and your cart is unchanged. Please try again or use another "
        "payment method."
    )


def _values_of(order: Order) -> CheckoutValues:
    """The failed order's details, so that the shopper does not type them again."""
    shipping: dict[str, Any] = order.shipping_address or {}
    billing: dict[str, Any] = order.billing_address or {}
    values = {"email": order.email, "shipping_method": order.shipping_method}
    for part in ADDRESS_PARTS:
        values[f"ship_{part}"] = str(shipping.get(part) or "")
        values[f"bill_{part}"] = str(billing.get(part) or "")
    return CheckoutValues(values=values, billing_same=billing == shipping)


async def _failed(
    request: Request,
    database: Database,
    shopper: Shopper | None,
    order: Order,
    failure_code: str | None,
    chrome: PageChrome,
) -> Response:
    """The checkout form again, filled in, with the reason; the cart as it was."""
    message = _explain_failure(failure_code)
    async with database.read() as session:
        cart, redirect = await cart_or_redirect(request, session, shopper)
        if cart is None:
            response = redirect or see_other("/cart")
            flash(response, request, message, kind="error")
            return response
        return await render_checkout(
            request,
            session,
            cart,
            shopper,
            _values_of(order),
            checkout_error=message,
            status_code=402,
            chrome=chrome,
        )
