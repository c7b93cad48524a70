"""The header data of every page (who is signed in, the cart count, the top categories), given
to the shared layout through `shop.web.pages.chrome`."""

from __future__ import annotations

import time

from fastapi import Request

from shop.auth.browser_session import current_shopper
from shop.catalog import service as catalog_service
from shop.storefront.visitor_cart import find_cart
from shop.web.dependencies import reading_session
from shop.web.pages.chrome import NavLink, PageChrome

# The navigation changes rarely; each process keeps it for a few seconds instead of reading
# the category tree on every page.
NAV_TTL_SECONDS = 10.0


class _NavCache:
    def __init__(self) -> None:
        self.links: list[NavLink] = []
        self.loaded_at = float("-inf")

    def fresh(self) -> bool:
        return time.monotonic() - self.loaded_at < NAV_TTL_SECONDS

    def store(self, links: list[NavLink]) -> None:
        self.links, self.loaded_at = links, time.monotonic()


def _nav_of(request: Request) -> _NavCache:
    # One cache per app (not per module): each app, and each test's app, has its own database.
    cache: _NavCache | None = getattr(request.app.state, "storefront_nav", None)
    if cache is None:
        cache = _NavCache()
        request.app.state.storefront_nav = cache
    return cache


async def storefront_chrome(request: Request) -> PageChrome:
    shopper = await current_shopper(request)
    nav = _nav_of(request)
    async with reading_session(request) as session:
        if not nav.fresh():
            tree = await catalog_service.category_tree(session)
            nav.store([NavLink(node.slug, node.name) for node in tree.roots])
        found = await find_cart(session, request, shopper)
    return PageChrome(
        signed_in=shopper is not None,
        display_name=shopper.display_name if shopper else "",
        is_staff=shopper.is_staff if shopper else False,
        cart_count=found[0].item_count if found else 0,
        categories=nav.links,
    )
