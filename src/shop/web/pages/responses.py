"""Redirects for pages: 303 after a POST (the browser follows with a GET)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import RedirectResponse


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


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
