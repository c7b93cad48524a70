"""Every SQL statement of wishlists; reads products and their first image for the summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.kit.pagination import PageRequest
from shop.models.catalog import Product, ProductImage, ProductStatus
from shop.models.engagement import WishlistItem

MAX_ID = 2**63 - 1


async def product_status(session: AsyncSession, product_id: int) -> ProductStatus | None:
    if not 1 <= product_id <= MAX_ID:
        return None
    status = (
        await session.execute(select(Product.status).where(Product.id == product_id))
    ).scalar_one_or_none()
    return None if status is None else ProductStatus(status)


async def get_item(session: AsyncSession, *, user_id: int, product_id: int) -> WishlistItem | None:
    result = await session.execute(
        select(WishlistItem).where(
            WishlistItem.user_id == user_id, WishlistItem.product_id == product_id
        )
    )
    return result.scalar_one_or_none()


async def insert_item(session: AsyncSession, item: WishlistItem) -> WishlistItem:
    session.add(item)
    await session.flush()
    return item


async def delete_item(session: AsyncSession, *, user_id: int, product_id: int) -> None:
    if not 1 <= product_id <= MAX_ID:
        return
    await session.execute(
        delete(WishlistItem).where(
            WishlistItem.user_id == user_id, WishlistItem.product_id == product_id
        )
    )


@dataclass(frozen=True, slots=True)
class WishlistRow:
    product_id: int
    added_at: datetime
    slug: str
    name: str
    status: ProductStatus
    price_amount: int | None
    image_url: str | None
    image_alt: str | None


async def page_of(
    session: AsyncSession, *, user_id: int, page: PageRequest, product_id: int | None = None
) -> tuple[list[WishlistRow], int]:
    """The user's items, most recently added first, with product summaries; and their count."""
    where = [WishlistItem.user_id == user_id]
    if product_id is not None:
        where.append(WishlistItem.product_id == product_id)
    total = (
        await session.execute(select(func.count()).select_from(WishlistItem).where(*where))
    ).scalar()
    first_image = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    result = await session.execute(
        select(
            WishlistItem.product_id,
            WishlistItem.created_at,
            Product.slug,
            Product.name,
            Product.status,
            Product.price_amount,
            ProductImage.url,
            ProductImage.alt,
        )
        .join(Product, Product.id == WishlistItem.product_id)
        .outerjoin(ProductImage, ProductImage.id == first_image)
        .where(*where)
        .order_by(WishlistItem.created_at.desc(), WishlistItem.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    )
    rows = [
        WishlistRow(
            product_id=row.product_id,
            added_at=row.created_at,
            slug=row.slug,
            name=row.name,
            status=ProductStatus(row.status),
            price_amount=row.price_amount,
            image_url=row.url,
            image_alt=row.alt,
        )
        for row in result
    ]
    return rows, int(total or 0)
