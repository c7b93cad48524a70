"""Checkout (guest or signed in) and the confirmation page.

The page places the order through the same workflow as `POST /api/v1/checkout`: an
Idempotency-Key generated per form render (a double submit replays the first answer), no
transaction held while the payment provider is called, a declined card leaves the cart as it
was and shows `checkout-error`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import OptionalShopper, Shopper, guest_cart
from shop.carts.service import CartView
from shop.checkout import client_payments, workflows
from shop.db.session import Database
from shop.errors import NotFound, ShopError
from shop.orders import service as orders_service
from shop.orders.dependencies import GatewaysDep
from shop.orders.service import OrderView
from shop.pricing import service as pricing_service
from shop.pricing.calculator import PricedLine
from shop.pricing.service import Quote
from shop.storefront.checkout_form import (
    SANDBOX_TOKENS,
    CheckoutValues,
    checkout_request,
    read_checkout_form,
)
from shop.storefront.stripe_payment import STRIPE_CSP, STRIPE_PAY_PATH
from shop.storefront.visitor_cart import find_cart
from shop.web.dependencies import DatabaseDep, ReadSession
from shop.web.pages.chrome import PageChrome, chrome_for
from shop.web.pages.cookies import ORDERS_COOKIE, set_cookie
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import flash
from shop.web.pages.forms import as_sentence, parse_int, text_field
from shop.web.pages.rendering import render
from shop.web.pages.responses import see_other

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

OrderNumber = Annotated[str, Path(min_length=1, max_length=20)]
DEFAULT_COUNTRY = "US"
GUEST_ORDERS_KEPT = 10
GUEST_ORDERS_MAX_AGE = 30 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Review:
    quote: Quote | None
    problem: str | None


async def _review(
    session: AsyncSession, cart: CartView, values: CheckoutValues, shopper: Shopper | None
) -> Review:
    """The totals for the chosen method and address, as checkout will compute them."""
    lines = [
        PricedLine(line.row.variant_id, line.row.unit_price, line.row.quantity)
        for line in cart.lines
    ]
    arguments: dict[str, Any] = {
        "lines": lines,
        "shipping_method": values.get("shipping_method"),
        "country": values.get("ship_country") or DEFAULT_COUNTRY,
        "region": values.get("ship_region") or None,
        "email": values.get("email") or None,
        "user_id": shopper.user_id if shopper else None,
    }
    try:
        return Review(
            await pricing_service.quote(session, coupon_code=cart.coupon_code, **arguments), None
        )
    except ShopError as error:
        problem = as_sentence(error.message)
    try:  # without the coupon, so that the totals still show
        return Review(await pricing_service.quote(session, coupon_code=None, **arguments), problem)
    except ShopError as error:
        return Review(None, as_sentence(error.message))


async def render_checkout(
    request: Request,
    session: AsyncSession,
    cart: CartView,
    shopper: Shopper | None,
    values: CheckoutValues,
    *,
    errors: dict[str, str] | None = None,
    checkout_error: str | None = None,
    status_code: int = 200,
    chrome: PageChrome | None = None,
) -> Response:
    methods = list(await pricing_service.list_shipping_methods(session))
    if not values.get("shipping_method") and methods:
        values.values["shipping_method"] = methods[0].code
    if not values.get("ship_country"):
        values.values["ship_country"] = DEFAULT_COUNTRY
    if not values.get("email") and shopper is not None:
        values.values["email"] = shopper.email
    review = await _review(session, cart, values, shopper)
    providers = request.app.state.settings.providers
    headers = {"Content-Security-Policy": STRIPE_CSP} if "stripe" in providers else None
    return await render(
        request,
        "storefront/checkout.html",
        {
            "cart": cart,
            "values": values,
            "errors": errors or {},
            "checkout_error": checkout_error,
            "methods": methods,
            "review": review,
            "sandbox": "sandbox" in providers,
            "stripe": "stripe" in providers,
            "sandbox_tokens": SANDBOX_TOKENS,
            # A new key per render: one order attempt per rendered form.
            "idempotency_key": uuid.uuid4().hex,
        },
        status_code=status_code,
        headers=headers,
        chrome=chrome,
    )


async def cart_or_redirect(
    request: Request, session: AsyncSession, shopper: Shopper | None
) -> tuple[CartView | None, Response | None]:
    found = await find_cart(session, request, shopper)
    if found is None or not found[0].lines:
        response = see_other("/cart")
        flash(response, request, "Your cart is empty.", kind="error")
        return None, response
    return found[0], None


@router.get("/checkout")
async def checkout_page(
    request: Request, session: ReadSession, shopper: OptionalShopper
) -> Response:
    cart, redirect = await cart_or_redirect(request, session, shopper)
    if cart is None:
        return redirect  # type: ignore[return-value]
    return await render_checkout(request, session, cart, shopper, CheckoutValues())


@router.post("/checkout")
async def place_order(
    request: Request,
    database: DatabaseDep,
    gateways: GatewaysDep,
    shopper: OptionalShopper,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    values = read_checkout_form(form)
    guest = guest_cart(request)
    # The form names its cart: submitting it twice sends the same request, which the
    # Idempotency-Key answers with the first outcome even after the cart was checked out.
    cart_id = parse_int(text_field(form, "cart_id"), minimum=1, maximum=2**63 - 1)
    provider = "sandbox" if "sandbox" in request.app.state.settings.providers else "stripe"
    if provider == "stripe":  # Stripe's Payment Element takes the card on the next page
        values.values["card_token"] = client_payments.CLIENT_CONFIRMATION_TOKEN
    data, errors = (
        checkout_request(values, cart_id=cart_id, provider=provider) if cart_id else (None, {})
    )
    if data is None or values.get("action") == "review":
        return await _checkout_again(
            request,
            database,
            shopper,
            values,
            errors=errors,
            status_code=422 if errors else 200,
        )
    place = client_payments.place_order if provider == "stripe" else workflows.checkout
    try:
        answer = await place(
            database,
            gateways,
            key=values.get("idempotency_key") or uuid.uuid4().hex,
            data=data,
            claims=shopper.claims() if shopper else None,
            cart_token=None if shopper else (guest[1] if guest else None),
        )
        status, body = answer.status, answer.body
    except ShopError as error:  # the provider did not answer, a key in use ...
        status, body = error.status, {"detail": error.message, "code": error.code}
    if status < 400:
        number = str(body["number"])
        awaiting = status == client_payments.AWAITING_PAYMENT
        response = see_other(
            f"{STRIPE_PAY_PATH}/{number}" if awaiting else f"/checkout/confirmation/{number}"
        )
        if shopper is None:
            _remember_guest_order(request, response, number, data.email)
        return response
    in_progress = body.get("order_number") if body.get("code") == "checkout_in_progress" else None
    if provider == "stripe" and isinstance(in_progress, str):
        # Back from the payment step with a new form: that order still awaits its payment.
        return see_other(f"{STRIPE_PAY_PATH}/{in_progress}")
    return await _checkout_again(
        request,
        database,
        shopper,
        values,
        checkout_error=_explain(status, body),
        status_code=status if status in (402, 409, 422) else 400,
    )


async def _checkout_again(
    request: Request,
    database: Database,
    shopper: Shopper | None,
    values: CheckoutValues,
    *,
    errors: dict[str, str] | None = None,
    checkout_error: str | None = None,
    status_code: int,
) -> Response:
    """The checkout page once more, with what was typed and why it did not go through."""
    # The header data first: one connection at a time per request.
    chrome = await chrome_for(request)
    async with database.read() as session:
        cart, redirect = await cart_or_redirect(request, session, shopper)
        if cart is None:
            return redirect  # type: ignore[return-value]
        return await render_checkout(
            request,
            session,
            cart,
            shopper,
            values,
            errors=errors,
            checkout_error=checkout_error,
            status_code=status_code,
            chrome=chrome,
        )


def _explain(status: int, body: dict[str, Any]) -> str:
    code = body.get("code")
    if code == "payment_declined":
        reason = body.get("failure_code")
        return (
            "Your payment was declined"
            + (f" ({str(reason).replace('_', ' ')})" if reason else "")
            + ". Nothing was charged and your cart is unchanged. Please try another card."
        )
    if code == "insufficient_stock":
        skus = ", ".join(str(line.get("sku", "")) for line in body.get("lines", []) or [])
        return (
            "Some items are no longer in stock in the quantity you chose"
            + (f" ({skus})" if skus else "")
            + ". Please update your cart."
        )
    return as_sentence(str(body.get("detail") or "The order could not be placed."))


# --- confirmation --------------------------------------------------------------------------


def _orders_serializer(request: Request) -> URLSafeSerializer:
    secret: str = request.app.state.settings.secret_key.get_secret_value()
    return URLSafeSerializer(secret, salt="shopwright-guest-orders")


def _guest_orders(request: Request) -> list[list[str]]:
    raw = request.cookies.get(ORDERS_COOKIE)
    if not raw:
        return []
    try:
        data = _orders_serializer(request).loads(raw)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    return [
        [str(item[0]), str(item[1])] for item in data if isinstance(item, list) and len(item) == 2
    ][:GUEST_ORDERS_KEPT]


def _remember_guest_order(request: Request, response: Response, number: str, email: str) -> None:
    """A guest may see the confirmation of the orders placed from this browser."""
    orders = [[number, email], *(o for o in _guest_orders(request) if o[0] != number)]
    value = _orders_serializer(request).dumps(orders[:GUEST_ORDERS_KEPT])
    set_cookie(response, request, ORDERS_COOKIE, value, max_age=GUEST_ORDERS_MAX_AGE)


async def visible_order(
    request: Request, session: AsyncSession, number: str, shopper: Shopper | None
) -> OrderView:
    if shopper is not None:
        try:
            return await orders_service.get_customer_order(session, number, user_id=shopper.user_id)
        except NotFound:
            pass  # perhaps placed as a guest before signing in
    for known, email in _guest_orders(request):
        if known.upper() == number.strip().upper():
            return await orders_service.lookup_order(session, known, email)
    raise NotFound("We could not find that order.")


@router.get("/checkout/confirmation/{number}")
async def confirmation_page(
    request: Request, number: OrderNumber, session: ReadSession, shopper: OptionalShopper
) -> Response:
    view = await visible_order(request, session, number, shopper)
    return await render(
        request, "storefront/confirmation.html", {"order": view.order, "payment": view.payment}
    )
