"""CSRF protection for every page form: a synchronizer token derived from a random per-browser
seed (cookie `sw_csrf`) and the sign-in cookie, so that signing in or out invalidates tokens
issued before. Forms send it as the `csrf_token` field, htmx as the `X-CSRF-Token` header (the
layout puts `hx-headers` on <body>)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from shop.errors import ShopError
from shop.web.pages.cookies import CSRF_COOKIE, SESSION_COOKIE

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_STATE_SEED = "csrf_seed"


class CsrfRejected(ShopError):
    code = "csrf_rejected"
    status = 403
    title = "Form expired"

    def __init__(self) -> None:
        super().__init__(
            "this form has expired or did not come from this site; reload the page and try again"
        )


def _secret(request: Request) -> bytes:
    return request.app.state.settings.secret_key.get_secret_value().encode()  # type: ignore[no-any-return]


def new_seed() -> str:
    return secrets.token_urlsafe(24)


def seed_of(request: Request) -> str | None:
    """This request's seed: one chosen during the request (a new browser) or the cookie's."""
    chosen: str | None = getattr(request.state, _STATE_SEED, None)
    return chosen or request.cookies.get(CSRF_COOKIE)


def ensure_seed(request: Request) -> tuple[str, bool]:
    """The seed and whether it is new (then the response must set the cookie)."""
    seed = seed_of(request)
    if seed:
        return seed, False
    seed = new_seed()
    setattr(request.state, _STATE_SEED, seed)
    return seed, True


def token_for(request: Request, seed: str, *, session_value: str | None = None) -> str:
    """The token for `seed` and the browser's sign-in cookie (or `session_value` instead)."""
    session = session_value if session_value is not None else request.cookies.get(SESSION_COOKIE)
    message = f"csrf|{seed}|{session or ''}".encode()
    digest = hmac.new(_secret(request), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def verify_csrf(request: Request) -> None:
    """Raises CsrfRejected for an unsafe method without a valid token. Reading the form here
    is free for the route: Starlette keeps the parsed form on the request."""
    if request.method in SAFE_METHODS:
        return
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not seed or not sent or not hmac.compare_digest(sent, token_for(request, seed)):
        raise CsrfRejected()


CsrfProtected = Annotated[None, Depends(verify_csrf)]
