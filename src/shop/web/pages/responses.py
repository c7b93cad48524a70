"""Redirects for pages: 303 after a POST (the browser follows with a GET), with or without a
flash message for the page it lands on."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse

from shop.web.pages.flash import FlashKind, flash


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def redirect_with_flash(
    request: Request, url: str, text: str, *, kind: FlashKind = "success"
) -> RedirectResponse:
    """Post/redirect/get: send the browser to `url`, which then shows `text` once."""
    response = see_other(url)
    flash(response, request, text, kind=kind)
    return response


def safe_next(target: str | None, *, default: str = "/") -> str:
    """A local path to go back to after signing in; anything else (another host, `//evil`,
    a scheme) becomes `default`, so a link cannot send a shopper off-site."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
