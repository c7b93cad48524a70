"""Wishlists: a signed-in customer's saved products. Adding and removing are idempotent.
Never commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.kit.clock import utcnow
from shop.kit.pagination import PageRequest
from shop.models.catalog import ProductStatus
from shop.models.engagement import WishlistItem
from shop.wishlists import errors
from shop.wishlists import repository as repo
from shop.wishlists.repository import WishlistRow


@dataclass(frozen=True, slots=True)
class WishlistPage:
    rows: list[WishlistRow]
    total: int
    page: PageRequest


@dataclass(frozen=True, slots=True)
class AddedItem:
    row: WishlistRow
    created: bool  # False: it was already there


async def list_items(session: AsyncSession, *, user_id: int, page: PageRequest) -> WishlistPage:
    """Most recently added first; products archived since are listed (not available)."""
    rows, total = await repo.page_of(session, user_id=user_id, page=page)
    return WishlistPage(rows=rows, total=total, page=page)


async def add_item(session: AsyncSession, *, user_id: int, product_id: int) -> AddedItem:
    """Save an active product; saving it again changes nothing."""
    status = await repo.product_status(session, product_id)
    if status is None:
        raise errors.unknown_product(product_id)
    if status != ProductStatus.ACTIVE:
        raise errors.product_unavailable(product_id)
    created = False
    if await repo.get_item(session, user_id=user_id, product_id=product_id) is None:
        try:
            async with session.begin_nested():
                await repo.insert_item(
                    session,
                    WishlistItem(user_id=user_id, product_id=product_id, created_at=utcnow()),
                )
            created = True
        except IntegrityError:
            pass  # a concurrent request of the same customer saved it: the same outcome
    rows, _ = await repo.page_of(
        session, user_id=user_id, page=PageRequest(page=1, page_size=1), product_id=product_id
    )
    return AddedItem(row=rows[0], created=created)


async def remove_item(session: AsyncSession, *, user_id: int, product_id: int) -> None:
    """Idempotent: removing what is not there is not an error."""
    await repo.delete_item(session, user_id=user_id, product_id=product_id)
