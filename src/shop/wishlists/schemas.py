"""Request and response bodies of the wishlist API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shop.catalog.schemas import ImageRead
from shop.kit.money import MoneyRead
from shop.models.catalog import ProductStatus
from shop.wishlists.repository import MAX_ID, WishlistRow
from shop.wishlists.service import WishlistPage


class WishlistItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int = Field(ge=1, le=MAX_ID)


class WishlistProductRead(BaseModel):
    id: int
    slug: str
    name: str
    price: MoneyRead | None = Field(description="Lowest active variant price")
    image: ImageRead | None
    available: bool = Field(description="False once the product is no longer for sale")


class WishlistItemRead(BaseModel):
    product_id: int
    added_at: datetime
    product: WishlistProductRead

    @classmethod
    def of(cls, row: WishlistRow, currency: str) -> WishlistItemRead:
        return cls(
            product_id=row.product_id,
            added_at=row.added_at,
            product=WishlistProductRead(
                id=row.product_id,
                slug=row.slug,
                name=row.name,
                price=None
                if row.price_amount is None
                else MoneyRead(amount=row.price_amount, currency=currency),
                image=None
                if row.image_url is None
                else ImageRead(url=row.image_url, alt=row.image_alt or ""),
                available=row.status == ProductStatus.ACTIVE,
            ),
        )


class WishlistRead(BaseModel):
    items: list[WishlistItemRead]
    total: int
    page: int
    page_size: int

    @classmethod
    def of(cls, page: WishlistPage, currency: str) -> WishlistRead:
        return cls(
            items=[WishlistItemRead.of(row, currency) for row in page.rows],
            total=page.total,
            page=page.page.page,
            page_size=page.page.page_size,
        )
