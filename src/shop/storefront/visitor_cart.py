"""The cart of the browser making the request: a signed-in customer's open cart, or the guest
cart named by the `sw_cart` cookie. Pages go through here so that both kinds behave alike."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import Shopper, guest_cart, remember_guest_cart
from shop.auth.tokens import AccessClaims
from shop.carts import service as carts_service
from shop.carts.service import CartStatus, CartView
from shop.errors import NotFound


@dataclass(frozen=True, slots=True)
class CartAccess:
    """What the carts service needs to open this browser's cart."""

    cart_id: int
    claims: AccessClaims | None
    cart_token: str | None


async def find_cart(
    session: AsyncSession, request: Request, shopper: Shopper | None
) -> tuple[CartView, CartAccess] | None:
    """This browser's open cart, or None when it has none (yet)."""
    if shopper is not None:
        view = await carts_service.get_customer_cart(session, user_id=shopper.user_id)
        if view is None:
            return None
        return view, CartAccess(view.id, shopper.claims(), None)
    guest = guest_cart(request)
    if guest is None:
        return None
    cart_id, token = guest
    try:
        view = await carts_service.get_cart(session, cart_id=cart_id, claims=None, cart_token=token)
    except NotFound:
        return None  # a stale cookie: the cart was checked out or swept
    if view.status is not CartStatus.OPEN:
        return None
    return view, CartAccess(cart_id, None, token)


async def cart_for_change(
    session: AsyncSession, request: Request, response: Response, shopper: Shopper | None
) -> CartAccess:
    """This browser's open cart, created when there is none (a guest's new cart is remembered
    in a cookie set on `response`)."""
    found = await find_cart(session, request, shopper)
    if found is not None:
        return found[1]
    currency: str = request.app.state.settings.currency
    created = await carts_service.create_cart(
        session, user_id=shopper.user_id if shopper else None, currency=currency
    )
    if shopper is not None:
        return CartAccess(created.cart.id, shopper.claims(), None)
    if created.token is None:  # never: a new anonymous cart always comes with its token
        raise RuntimeError("a new guest cart came without its token")
    remember_guest_cart(request, response, created.cart.id, created.token)
    return CartAccess(created.cart.id, None, created.token)
