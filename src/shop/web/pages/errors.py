"""Errors on pages become pages: 404, 403, 500 ... in the site layout, and a sign-in redirect
for pages that need one. The JSON API (and every other non-page path) keeps problem+json: the
handlers installed by shop.web.problems still answer there."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from shop.errors import ShopError
from shop.web.pages.chrome import ANONYMOUS, PageChrome, chrome_for
from shop.web.pages.rendering import render
from shop.web.pages.responses import see_other

log = logging.getLogger(__name__)

# Paths that are not pages: their errors stay problem+json (or whatever they answer).
NON_PAGE_PREFIXES = ("/api/", "/api", "/_sandbox", "/healthz", "/readyz", "/metrics", "/static/")
LOGIN_PATH = "/login"

_TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Please check your input",
    429: "Too many attempts",
    500: "Something went wrong",
}
_MESSAGES = {
    403: "You do not have access to this page.",
    404: "We could not find that page. It may have moved, or the link may be mistyped.",
    500: "Something went wrong on our side. Please try again in a moment.",
}


class SignInRequired(ShopError):
    """Raised by page dependencies for anonymous visitors: pages redirect to the login page and
    come back afterwards; the API would answer 401."""

    code = "sign_in_required"
    status = 401
    title = "Please sign in"

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to see this page")
        self.next_path = next_path


def is_page_request(request: Request) -> bool:
    path = request.url.path
    if path.startswith(NON_PAGE_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    return not ("application/json" in accept and "text/html" not in accept)


def login_url(next_path: str) -> str:
    return f"{LOGIN_PATH}?{urlencode({'next': next_path})}"


async def error_page(
    request: Request, status: int, message: str | None = None, *, chrome: PageChrome | None = None
) -> Response:
    """The error page for `status` in the site layout."""
    if chrome is None:
        try:
            chrome = await chrome_for(request)
        except Exception:  # noqa: BLE001 (an error page must render even when the DB is down)
            log.warning("error page without header data", exc_info=True)
            chrome = ANONYMOUS
    return await render(
        request,
        "error.html",
        {
            "status": status,
            "title": _TITLES.get(status, "Something went wrong"),
            "message": message or _MESSAGES.get(status, "The request could not be completed."),
        },
        status_code=status,
        chrome=chrome,
    )


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _page_or(
    fallback: Handler | None, page: Callable[[Request, Exception], Awaitable[Response]]
) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_page_request(request):
            return await page(request, exc)
        if fallback is None:
            raise exc
        answer = fallback(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    return handle


async def _http_page(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # registered for this type only
        raise exc
    detail = (
        exc.detail if exc.status_code not in (404, 500) and isinstance(exc.detail, str) else None
    )
    response = await error_page(request, exc.status_code, detail)
    for name, value in (getattr(exc, "headers", None) or {}).items():
        response.headers[name] = value
    return response


async def _shop_page(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ShopError):  # registered for this type only
        raise exc
    if isinstance(exc, SignInRequired):
        return see_other(login_url(exc.next_path))
    return await error_page(request, exc.status, exc.message)


async def _validation_page(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):  # registered for this type only
        raise exc
    fields = sorted({str(e.get("loc", ("",))[-1]) for e in exc.errors()})
    return await error_page(
        request, 400, f"Some values in the request are not valid: {', '.join(fields)}."
    )


async def _unexpected_page(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on a page", exc_info=exc)
    return await error_page(request, 500, chrome=ANONYMOUS)


def install_page_errors(app: FastAPI) -> None:
    """Wrap the problem+json handlers (installed before) with page versions for page paths."""
    pages: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        StarletteHTTPException: _http_page,
        ShopError: _shop_page,
        RequestValidationError: _validation_page,
        Exception: _unexpected_page,
    }
    handlers: dict[Any, Handler] = app.exception_handlers
    for exc_type, page in pages.items():
        app.add_exception_handler(exc_type, _page_or(handlers.get(exc_type), page))
