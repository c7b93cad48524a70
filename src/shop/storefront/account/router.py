"""One router for every account page (included by shop.storefront.install)."""

from __future__ import annotations

from fastapi import APIRouter

from shop.storefront.account import (
    address_pages,
    order_pages,
    profile_pages,
    sign_in_pages,
    wishlist_pages,
)

router = APIRouter(include_in_schema=False)
for pages in (sign_in_pages, order_pages, address_pages, wishlist_pages, profile_pages):
    router.include_router(pages.router)
