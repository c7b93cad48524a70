"""Signing in with a browser: the cookie sessions of the server-rendered pages.

A page sign-in is a refresh-token family like an API login (see `auth.service.login`): the
opaque token sits in an HttpOnly, SameSite=Lax cookie (Secure over https), only its hash is
stored, and it is revoked by signing out, by a password change or an account deletion
(`auth.service.revoke_sessions`). It is never rotated: every page request checks it.

For pages (the storefront, the account pages, the back office):

- `OptionalShopper` / `current_shopper`: the signed-in `Shopper`, or None.
- `SignedInShopper` / `require_signed_in`: anonymous visitors are sent to `/login?next=...`.
- `require_staff_page(permission)`: a dependency for back-office pages; anonymous -> login
  redirect, a role without `permission` (or a customer) -> the 403 page. `StaffShopper` needs
  any staff role.
- `sign_in(request, response, session, tokens)`: after `auth.service.login` succeeded; sets the
  cookie, merges the guest cart into the customer's (the login hooks) and renews the CSRF seed.
- `sign_out(request, response, session)`: revokes the sign-in and clears the cookies.
- Guest carts: `guest_cart(request)`, `remember_guest_cart(...)`, `forget_guest_cart(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import service as auth_service
from shop.auth.hooks import login_hooks
from shop.auth.permissions import Permission, is_staff, permissions_of
from shop.auth.tokens import AccessClaims
from shop.errors import Forbidden
from shop.kit.clock import utcnow
from shop.web.dependencies import reading_session
from shop.web.pages.cookies import (
    CART_COOKIE,
    CSRF_COOKIE,
    SESSION_COOKIE,
    delete_cookie,
    set_cookie,
)
from shop.web.pages.csrf import new_seed
from shop.web.pages.errors import SignInRequired

MAX_TOKEN_LENGTH = 200
CART_COOKIE_DAYS = 30
_STATE_SHOPPER = "shopper"
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Shopper:
    """Who is signed in on this browser."""

    user_id: int
    role: str
    email: str
    first_name: str
    last_name: str

    @property
    def display_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_staff(self) -> bool:
        return is_staff(self.role)

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.role)

    def claims(self) -> AccessClaims:
        """The same identity as the API's access token, for services that take claims (carts,
        checkout). It lives for this request only."""
        return AccessClaims(
            user_id=self.user_id, role=self.role, expires_at=utcnow() + timedelta(minutes=5)
        )


async def current_shopper(request: Request) -> Shopper | None:
    """The signed-in shopper of this request (looked up once per request)."""
    cached = getattr(request.state, _STATE_SHOPPER, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    shopper: Shopper | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token and len(token) <= MAX_TOKEN_LENGTH:
        async with reading_session(request) as session:
            user = await auth_service.user_of_sign_in(session, token)
            if user is not None:  # read inside: the session expires its objects on exit
                shopper = Shopper(
                    user_id=user.id,
                    role=str(user.role),
                    email=user.email,
                    first_name=user.first_name,
                    last_name=user.last_name,
                )
    setattr(request.state, _STATE_SHOPPER, shopper)
    return shopper


OptionalShopper = Annotated[Shopper | None, Depends(current_shopper)]


def _path_with_query(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def require_signed_in(request: Request, shopper: OptionalShopper) -> Shopper:
    if shopper is None:
        raise SignInRequired(_path_with_query(request) if request.method == "GET" else "/")
    return shopper


SignedInShopper = Annotated[Shopper, Depends(require_signed_in)]


async def require_staff(shopper: SignedInShopper) -> Shopper:
    if not shopper.is_staff:
        raise Forbidden("the back office is for staff only", code="staff_only")
    return shopper


StaffShopper = Annotated[Shopper, Depends(require_staff)]


def require_staff_page(permission: Permission) -> object:
    """A dependency (use as `Depends`-wrapped default or in `dependencies=[...]`) that lets a
    staff member with `permission` through and returns the Shopper."""

    async def check(shopper: StaffShopper) -> Shopper:
        if permission not in shopper.permissions:
            raise Forbidden(
                f"your role '{shopper.role}' lacks the permission '{permission}'",
                code="missing_permission",
            )
        return shopper

    check.required_permission = permission  # type: ignore[attr-defined]
    return Depends(check)


# --- signing in and out --------------------------------------------------------------------


async def sign_in(
    request: Request,
    response: Response,
    session: AsyncSession,
    tokens: auth_service.TokenPair,
) -> None:
    """Finish a page sign-in: `tokens` come from `auth_service.login` in `session` (the same
    write transaction). Runs the login hooks (the guest cart joins the customer's cart)."""
    guest = guest_cart(request)
    for hook in login_hooks(request.app.state):
        await hook(session, user_id=tokens.user_id, cart_token=guest[1] if guest else None)
    settings = request.app.state.settings
    max_age = int(timedelta(days=settings.refresh_token_days).total_seconds())
    set_cookie(response, request, SESSION_COOKIE, tokens.refresh_token, max_age=max_age)
    if guest is not None:
        delete_cookie(response, request, CART_COOKIE)
    _renew_csrf_seed(request, response)
    setattr(request.state, _STATE_SHOPPER, _MISSING)


async def sign_out(request: Request, response: Response, session: AsyncSession) -> None:
    """Revoke this browser's sign-in (if any) and clear its cookies."""
    token = request.cookies.get(SESSION_COOKIE)
    if token and len(token) <= MAX_TOKEN_LENGTH:
        await auth_service.logout(session, token)
    delete_cookie(response, request, SESSION_COOKIE)
    delete_cookie(response, request, CART_COOKIE)
    _renew_csrf_seed(request, response)
    setattr(request.state, _STATE_SHOPPER, None)


def _renew_csrf_seed(request: Request, response: Response) -> None:
    # Tokens also depend on the sign-in cookie; a new seed as well closes login-CSRF fixation.
    set_cookie(response, request, CSRF_COOKIE, new_seed(), max_age=365 * 24 * 3600)


# --- guest carts ---------------------------------------------------------------------------


def guest_cart(request: Request) -> tuple[int, str] | None:
    """(cart id, cart token) of this browser's guest cart, from the `sw_cart` cookie."""
    raw = request.cookies.get(CART_COOKIE, "")
    cart_id, _, token = raw.partition(".")
    if not cart_id.isdigit() or len(cart_id) > 18 or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return int(cart_id), token


def remember_guest_cart(request: Request, response: Response, cart_id: int, token: str) -> None:
    max_age = int(timedelta(days=CART_COOKIE_DAYS).total_seconds())
    set_cookie(response, request, CART_COOKIE, f"{cart_id}.{token}", max_age=max_age)


def forget_guest_cart(request: Request, response: Response) -> None:
    delete_cookie(response, request, CART_COOKIE)
