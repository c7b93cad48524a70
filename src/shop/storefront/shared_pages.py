"""Catalog pages (home, listings, search, product pages) rendered once per catalog change and
served from memory to every anonymous visitor.

An anonymous visitor without flash messages sees exactly what any other such visitor sees,
except for the CSRF token and the cart count: the page is rendered with stand-ins for those
(`render_shared`), kept in the process's catalog cache (shop.catalog.read_cache) under the
page's canonical URL, and each request gets its own token and cart count put in
(`personalise`). The catalog cache's generation makes a staff edit, a stock movement or an
approved review show at once (in other processes as soon as Redis tells them).

Signed-in visitors (name, staff link, review form) and visitors with a flash message waiting
get the page rendered for them, as before; the key never holds anything of a visitor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import Shopper, current_shopper
from shop.storefront.chrome import catalog_cache_of, chrome_with, public_chrome
from shop.storefront.visitor_cart import find_cart
from shop.web.dependencies import get_database
from shop.web.pages.cookies import CART_COOKIE, FLASH_COOKIE
from shop.web.pages.flash import Flash
from shop.web.pages.rendering import personalise, render, render_shared

KEY_PREFIX = "page:"


@dataclass(frozen=True, slots=True)
class PageContent:
    """What a catalog route shows: a template, its values and messages about the request
    (a page with messages is never shared)."""

    template: str
    context: dict[str, Any]
    messages: list[Flash] = field(default_factory=list)


# Reads what the page shows with the session; a Response (a redirect) is sent as it is.
BuildPage = Callable[[AsyncSession, Shopper | None], Awaitable[PageContent | Response]]


def shareable(request: Request, shopper: Shopper | None) -> bool:
    """Whether this visitor sees the page every anonymous visitor sees."""
    return shopper is None and FLASH_COOKIE not in request.cookies


async def _cart_count(request: Request, session: AsyncSession | None = None) -> int:
    """An anonymous visitor's cart count: no database read without a cart cookie."""
    if CART_COOKIE not in request.cookies:
        return 0
    if session is not None:
        found = await find_cart(session, request, None)
    else:
        async with get_database(request).read() as own:
            found = await find_cart(own, request, None)
    return found[0].item_count if found else 0


async def catalog_page(request: Request, key: str, build: BuildPage) -> Response:
    """The page at `key` (its canonical path and query) for this visitor: from the catalog
    cache when the visitor is anonymous and it is there, else built with `build`."""
    shopper = await current_shopper(request)
    shared = shareable(request, shopper)
    cache = catalog_cache_of(request)
    key = KEY_PREFIX + key
    if shared and (body := cache.get(key)) is not None:
        return personalise(request, body, cart_count=await _cart_count(request))
    generation = cache.generation  # before reading: a change meanwhile makes `put` a no-op
    # Rendered inside: the session expires the ORM objects a page shows when it ends.
    async with get_database(request).read() as session:
        content = await build(session, shopper)
        if isinstance(content, Response):
            return content
        if not shared or content.messages:
            chrome = await chrome_with(request, session, shopper)
            return await render(
                request, content.template, content.context, messages=content.messages, chrome=chrome
            )
        chrome = await public_chrome(request, session)
        body = render_shared(request, content.template, content.context, chrome=chrome)
        cart_count = await _cart_count(request, session)
    cache.put(key, body, generation=generation)
    return personalise(request, body, cart_count=cart_count)
