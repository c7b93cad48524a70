"""Names and attributes of the cookies that pages set. One place, so that every cookie is
HttpOnly, SameSite=Lax and Secure whenever the shop is served over https."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "sw_session"  # the opaque, revocable sign-in token (shop.auth.browser_session)
CART_COOKIE = "sw_cart"  # a guest's cart: "<cart id>.<cart token>"
CSRF_COOKIE = "sw_csrf"  # the random seed the CSRF token is derived from
FLASH_COOKIE = "sw_flash"  # signed messages for the next page
ORDERS_COOKIE = "sw_orders"  # signed numbers of the orders a guest placed (confirmation page)


def is_https(request: Request) -> bool:
    public_url: str = request.app.state.settings.public_url
    return public_url.startswith("https://")


def cookie_options(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": is_https(request), "path": "/"}


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    """Set a page cookie with the shop's attributes; `max_age` None: until the browser closes."""
    response.set_cookie(name, value, max_age=max_age, **cookie_options(request))


def delete_cookie(response: Response, request: Request, name: str) -> None:
    options = cookie_options(request)
    response.delete_cookie(
        name,
        path=options["path"],
        secure=options["secure"],
        httponly=True,
        samesite=options["samesite"],
    )
