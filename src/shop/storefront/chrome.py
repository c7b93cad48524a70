"""The header data of every page (who is signed in, the cart count, the top categories), given
to the shared layout through `shop.web.pages.chrome`."""

from __future__ import annotations

import time

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth.browser_session import Shopper, current_shopper
from shop.catalog import service as catalog_service
from shop.catalog.read_cache import CatalogReadCache
from shop.storefront.visitor_cart import find_cart
from shop.web.dependencies import reading_session
from shop.web.pages.chrome import NavLink, PageChrome
from shop.web.pages.cookies import CART_COOKIE

# The navigation is read again after every catalog change (the catalog cache's generation);
# the age limit bounds how long another process's change can go unseen without Redis.
NAV_TTL_SECONDS = 10.0


class _NavCache:
    def __init__(self) -> None:
        self.links: list[NavLink] = []
        self.loaded_at = float("-inf")
        self.generation = -1

    def fresh(self, generation: int) -> bool:
        return self.generation == generation and time.monotonic() - self.loaded_at < NAV_TTL_SECONDS

    def store(self, links: list[NavLink], generation: int) -> None:
        self.links, self.loaded_at, self.generation = links, time.monotonic(), generation


def _nav_of(request: Request) -> _NavCache:
    # One cache per app (not per module): each app, and each test's app, has its own database.
    cache: _NavCache | None = getattr(request.app.state, "storefront_nav", None)
    if cache is None:
        cache = _NavCache()
        request.app.state.storefront_nav = cache
    return cache


def catalog_cache_of(request: Request) -> CatalogReadCache:
    cache: CatalogReadCache = request.app.state.catalog_cache
    return cache


async def navigation(request: Request, session: AsyncSession) -> list[NavLink]:
    """The top categories, read at most once per catalog generation (and NAV_TTL_SECONDS)."""
    nav = _nav_of(request)
    generation = catalog_cache_of(request).generation
    if not nav.fresh(generation):
        tree = await catalog_service.category_tree(session)
        nav.store([NavLink(node.slug, node.name) for node in tree.roots], generation)
    return nav.links


async def public_chrome(request: Request, session: AsyncSession) -> PageChrome:
    """The header every anonymous visitor sees (the cart count left to `personalise`)."""
    return PageChrome(categories=await navigation(request, session))


async def cart_badge(request: Request, shopper: Shopper | None) -> int:
    """The number of items in this browser's cart; no database read for a guest without a
    cart cookie (most first visits)."""
    if shopper is None and CART_COOKIE not in request.cookies:
        return 0
    async with reading_session(request) as session:
        found = await find_cart(session, request, shopper)
    return found[0].item_count if found else 0


async def chrome_with(
    request: Request, session: AsyncSession, shopper: Shopper | None
) -> PageChrome:
    """This visitor's header, read with `session` (the route's own)."""
    links = await navigation(request, session)
    found = await find_cart(session, request, shopper)
    return PageChrome(
        signed_in=shopper is not None,
        display_name=shopper.display_name if shopper else "",
        is_staff=shopper.is_staff if shopper else False,
        cart_count=found[0].item_count if found else 0,
        categories=links,
    )


async def storefront_chrome(request: Request) -> PageChrome:
    shopper = await current_shopper(request)  # before: it may need a session of its own
    async with reading_session(request) as session:
        return await chrome_with(request, session, shopper)
