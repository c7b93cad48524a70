"""Catalog builders. Keyword-only, safe defaults; they go through the admin service, so prices
and the search index are maintained exactly as in the shop."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shop.catalog import admin_service
from shop.catalog.product_view import ProductView
from shop.catalog.schemas import BrandCreate, CategoryCreate, ImageIn, ProductCreate, VariantCreate
from shop.kit.money import MoneyIn
from shop.models.catalog import Brand, Category, ProductStatus

CURRENCY = "USD"
_sequence = itertools.count(1)


def money(amount: int, currency: str = CURRENCY) -> MoneyIn:
    return MoneyIn(amount=amount, currency=currency)


def variant(
    *,
    sku: str | None = None,
    price: int = 1000,
    compare_at: int | None = None,
    stock_quantity: int = 10,
    track_inventory: bool = True,
    is_active: bool = True,
    title: str | None = None,
    options: dict[str, str] | None = None,
    position: int | None = None,
) -> VariantCreate:
    return VariantCreate(
        sku=sku or f"SKU-{next(_sequence):06d}",
        title=title,
        options=options or {},
        price=money(price),
        compare_at_price=None if compare_at is None else money(compare_at),
        stock_quantity=stock_quantity,
        track_inventory=track_inventory,
        is_active=is_active,
        position=position,
    )


async def create_category(
    session: AsyncSession,
    *,
    name: str | None = None,
    slug: str | None = None,
    parent: Category | None = None,
    description: str = "",
    position: int = 0,
) -> Category:
    number = next(_sequence)
    return await admin_service.create_category(
        session,
        CategoryCreate(
            name=name or f"Category {number}",
            slug=slug,
            parent_id=parent.id if parent is not None else None,
            description=description,
            position=position,
        ),
    )


async def create_brand(
    session: AsyncSession, *, name: str | None = None, slug: str | None = None
) -> Brand:
    return await admin_service.create_brand(
        session, BrandCreate(name=name or f"Brand {next(_sequence)}", slug=slug)
    )


async def create_product(
    session: AsyncSession,
    *,
    name: str | None = None,
    slug: str | None = None,
    description: str = "",
    status: ProductStatus = ProductStatus.ACTIVE,
    featured: bool = False,
    brand: Brand | None = None,
    category: Category | None = None,
    price: int = 1000,
    variants: Sequence[VariantCreate] | None = None,
    images: Sequence[tuple[str, str]] = (),
    attributes: dict[str, Any] | None = None,
) -> ProductView:
    """An active product with one in-stock variant at `price`, unless told otherwise."""
    return await admin_service.create_product(
        session,
        ProductCreate(
            name=name or f"Product {next(_sequence)}",
            slug=slug,
            description=description,
            status=status,
            featured=featured,
            brand_id=brand.id if brand is not None else None,
            category_id=category.id if category is not None else None,
            images=[ImageIn(url=url, alt=alt) for url, alt in images],
            attributes=attributes or {},
            variants=list(variants) if variants is not None else [variant(price=price)],
        ),
        currency=CURRENCY,
    )
