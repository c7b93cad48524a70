"""The cart page: lines with quantities, remove, coupon, totals. Every change is a POST form
followed by a redirect back to /cart (htmx boosts the forms, so they also work without JS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import OptionalShopper, Shopper
from shop.carts import service as carts_service
from shop.carts.errors import MAX_LINE_QUANTITY
from shop.carts.service import CartView, LineIssue
from shop.errors import ShopError
from shop.observability import metrics
from shop.pricing import service as pricing_service
from shop.pricing.calculator import coupon_discount
from shop.storefront.visitor_cart import cart_for_change, find_cart
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import Flash, flash
from shop.web.pages.forms import as_sentence, parse_int, text_field
from shop.web.pages.rendering import render
from shop.web.pages.responses import redirect_with_flash, safe_next, see_other

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

MAX_ID = 2**63 - 1
LineId = Annotated[int, Path(ge=1, le=MAX_ID)]
ISSUE_TEXT = {
    LineIssue.UNAVAILABLE: "No longer available: remove it to check out.",
    LineIssue.OUT_OF_STOCK: "Out of stock right now.",
    LineIssue.INSUFFICIENT_STOCK: "Only {available} left: lower the quantity.",
}


@dataclass(frozen=True, slots=True)
class CartTotals:
    subtotal: int
    discount: int
    total: int
    coupon_problem: str | None  # the kept coupon no longer applies (shown, not counted)


async def cart_totals(session: AsyncSession, cart: CartView, shopper: Shopper | None) -> CartTotals:
    """Subtotal and the coupon's discount as it would apply now; shipping and tax come at
    checkout, where the address and the method are known."""
    subtotal = cart.subtotal
    discount, problem = 0, None
    if cart.coupon_code:
        try:
            coupon = await pricing_service.check_coupon(
                session,
                cart.coupon_code,
                subtotal=subtotal,
                email=shopper.email if shopper else None,
                user_id=shopper.user_id if shopper else None,
            )
            discount = coupon_discount(subtotal, pricing_service.coupon_terms(coupon))
        except ShopError as error:
            problem = as_sentence(error.message)
    return CartTotals(subtotal, discount, subtotal - discount, problem)


def issue_text(issue: LineIssue, available: int | None) -> str:
    return ISSUE_TEXT[issue].format(available=available)


@router.get("/cart")
async def cart_page(request: Request, session: ReadSession, shopper: OptionalShopper) -> Response:
    found = await find_cart(session, request, shopper)
    cart = found[0] if found else None
    totals = await cart_totals(session, cart, shopper) if cart else None
    messages = []
    if totals and totals.coupon_problem:
        messages.append(Flash(f"Your coupon does not apply now. {totals.coupon_problem}", "error"))
    return await render(
        request,
        "storefront/cart.html",
        {"cart": cart, "totals": totals, "issue_text": issue_text},
        messages=messages,
    )


def _back(request: Request) -> str:
    """Where an add-to-cart came from (a product page), else the cart."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url).rstrip("/")
    path = referer.removeprefix(base) if referer.startswith(base) else ""
    return safe_next(path, default="/cart")


@router.post("/cart/items")
async def add_to_cart(
    request: Request, session: WriteSession, shopper: OptionalShopper, _csrf: CsrfProtected
) -> Response:
    form = await request.form()
    variant_id = parse_int(text_field(form, "variant_id"), minimum=1, maximum=MAX_ID)
    quantity = parse_int(text_field(form, "quantity") or "1", minimum=1, maximum=MAX_LINE_QUANTITY)
    if variant_id is None or quantity is None:
        problem = (
            "Choose an option first."
            if variant_id is None
            else f"The quantity must be a whole number from 1 to {MAX_LINE_QUANTITY}."
        )
        return redirect_with_flash(request, _back(request), problem, kind="error")
    response = see_other("/cart")
    access = await cart_for_change(session, request, response, shopper)
    try:
        await carts_service.add_item(
            session,
            cart_id=access.cart_id,
            claims=access.claims,
            cart_token=access.cart_token,
            variant_id=variant_id,
            quantity=quantity,
        )
    except ShopError as error:
        back = see_other(_back(request))
        for name, value in response.headers.items():
            if name == "set-cookie":  # keep a new guest cart's cookie
                back.headers.append(name, value)
        flash(back, request, as_sentence(error.message), kind="error")
        return back
    metrics.count_funnel_step("add_to_cart")
    flash(response, request, "Added to your cart.")
    return response


async def _change_line(
    request: Request,
    session: AsyncSession,
    shopper: Shopper | None,
    line_id: int,
    *,
    quantity: int | None,
) -> Response:
    found = await find_cart(session, request, shopper)
    if found is None:
        return redirect_with_flash(request, "/cart", "Your cart is empty.", kind="error")
    response = see_other("/cart")
    access = found[1]
    try:
        if quantity is None or quantity == 0:
            await carts_service.remove_item(
                session,
                cart_id=access.cart_id,
                claims=access.claims,
                cart_token=access.cart_token,
                item_id=line_id,
            )
            flash(response, request, "Removed from your cart.")
        else:
            await carts_service.update_item(
                session,
                cart_id=access.cart_id,
                claims=access.claims,
                cart_token=access.cart_token,
                item_id=line_id,
                quantity=quantity,
            )
            flash(response, request, "Cart updated.")
    except ShopError as error:
        # A fresh redirect: the success message queued above must not show.
        return redirect_with_flash(request, "/cart", as_sentence(error.message), kind="error")
    return response


@router.post("/cart/items/{line_id}")
async def update_line(
    request: Request,
    line_id: LineId,
    session: WriteSession,
    shopper: OptionalShopper,
    _csrf: CsrfProtected,
) -> Response:
    form = await request.form()
    quantity = parse_int(text_field(form, "quantity"), minimum=0, maximum=MAX_LINE_QUANTITY)
    if quantity is None:
        return redirect_with_flash(
            request,
            "/cart",
            f"The quantity must be a whole number from 0 to {MAX_LINE_QUANTITY}.",
            kind="error",
        )
    return await _change_line(request, session, shopper, line_id, quantity=quantity)


@router.post("/cart/items/{line_id}/remove")
async def remove_line(
    request: Request,
    line_id: LineId,
    session: WriteSession,
    shopper: OptionalShopper,
    _csrf: CsrfProtected,
) -> Response:
    return await _change_line(request, session, shopper, line_id, quantity=None)


@router.post("/cart/coupon")
async def apply_coupon(
    request: Request, session: WriteSession, shopper: OptionalShopper, _csrf: CsrfProtected
) -> Response:
    form = await request.form()
    code = text_field(form, "code", max_length=pricing_service.MAX_CODE_LENGTH)
    found = await find_cart(session, request, shopper)
    if not code or found is None:
        message = "Enter a coupon code." if found else "Add something to your cart first."
        return redirect_with_flash(request, "/cart", message, kind="error")
    access = found[1]
    try:
        await carts_service.apply_coupon(
            session,
            cart_id=access.cart_id,
            claims=access.claims,
            cart_token=access.cart_token,
            code=code,
        )
    except ShopError as error:
        return redirect_with_flash(request, "/cart", as_sentence(error.message), kind="error")
    return redirect_with_flash(
        request, "/cart", f"Coupon {pricing_service.normalize_coupon_code(code)} applied."
    )


@router.post("/cart/coupon/remove")
async def remove_coupon(
    request: Request, session: WriteSession, shopper: OptionalShopper, _csrf: CsrfProtected
) -> Response:
    response = see_other("/cart")
    found = await find_cart(session, request, shopper)
    if found is not None:
        access = found[1]
        await carts_service.remove_coupon(
            session, cart_id=access.cart_id, claims=access.claims, cart_token=access.cart_token
        )
        flash(response, request, "Coupon removed.")
    return response
