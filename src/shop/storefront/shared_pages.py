"""Catalog pages (home, listings, search, product pages) rendered once per catalog change and
served from memory to every visitor.

Visitors see the same page except for a few parts of their own: the CSRF token, the header's
account links and cart count, flash messages, and on a product page the review form. The page
is rendered with stand-ins for those (`render_shared`), kept in the process's catalog cache
(shop.catalog.read_cache) under the page's canonical URL, and each request gets its own parts
rendered and put in (`personalise`). The catalog cache's generation makes a staff edit, a
stock movement or an approved review show at once (in other processes as soon as Redis tells
them). The cached page never holds anything of a visitor: it is rendered without one.

A page with messages about the request itself (a nonsense filter) is rendered for it alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import Shopper, current_shopper
from shop.storefront.chrome import catalog_cache_of, chrome_with, public_chrome
from shop.storefront.visitor_cart import find_cart
from shop.web.dependencies import get_database
from shop.web.pages.chrome import PageChrome
from shop.web.pages.cookies import CART_COOKIE
from shop.web.pages.flash import Flash
from shop.web.pages.rendering import PersonalPart, personalise, render, render_shared

KEY_PREFIX = "page:"


@dataclass(frozen=True, slots=True)
class PageContent:
    """What a catalog route shows: a template, its values and messages about the request
    (a page with messages is never shared)."""

    template: str
    context: dict[str, Any]
    messages: list[Flash] = field(default_factory=list)


# Reads what the page shows with the session; a Response (a redirect) is sent as it is. It is
# not told who the visitor is: what it returns is shown to everyone.
BuildPage = Callable[[AsyncSession], Awaitable[PageContent | Response]]
# A page's own personal parts for this visitor (the product page's review form).
PersonalParts = Callable[[Shopper | None], Sequence[PersonalPart]]


def _no_parts(_shopper: Shopper | None) -> Sequence[PersonalPart]:
    return ()


async def _visitor_chrome(
    request: Request, shopper: Shopper | None, session: AsyncSession | None = None
) -> PageChrome:
    """This visitor's header without the navigation (the shared page has it): the cart is
    read only when there can be one (a cart cookie or a signed-in customer)."""
    count = 0
    if shopper is not None or CART_COOKIE in request.cookies:
        if session is not None:
            found = await find_cart(session, request, shopper)
        else:
            async with get_database(request).read() as own:
                found = await find_cart(own, request, shopper)
        count = found[0].item_count if found else 0
    return PageChrome(
        signed_in=shopper is not None,
        display_name=shopper.display_name if shopper else "",
        is_staff=shopper.is_staff if shopper else False,
        cart_count=count,
    )


async def catalog_page(
    request: Request, key: str, build: BuildPage, *, personal: PersonalParts = _no_parts
) -> Response:
    """The page at `key` (its canonical path and query) for this visitor: from the catalog
    cache when it is there, else built with `build`, kept and served."""
    shopper = await current_shopper(request)
    cache = catalog_cache_of(request)
    key = KEY_PREFIX + key
    if (body := cache.get(key)) is not None:
        chrome = await _visitor_chrome(request, shopper)
        return personalise(request, body, chrome=chrome, parts=personal(shopper))
    generation = cache.generation  # before reading: a change meanwhile makes `put` a no-op
    # Rendered inside: the session expires the ORM objects a page shows when it ends.
    async with get_database(request).read() as session:
        content = await build(session)
        if isinstance(content, Response):
            return content
        if content.messages:
            chrome = await chrome_with(request, session, shopper)
            return await render(
                request, content.template, content.context, messages=content.messages, chrome=chrome
            )
        body = render_shared(
            request, content.template, content.context, chrome=await public_chrome(request, session)
        )
        chrome = await _visitor_chrome(request, shopper, session)
    cache.put(key, body, generation=generation)
    return personalise(request, body, chrome=chrome, parts=personal(shopper))
