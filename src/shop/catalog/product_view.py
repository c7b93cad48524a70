"""A product as read for display: plain data, loaded in one statement (plus the breadcrumb),
shared by the public and the admin detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shop.models.catalog import AttributeType, ProductStatus


@dataclass(frozen=True, slots=True)
class VariantView:
    id: int
    sku: str
    title: str
    options: dict[str, Any]
    price_amount: int
    compare_at_amount: int | None
    stock_quantity: int
    track_inventory: bool
    low_stock_threshold: int
    is_active: bool
    position: int


@dataclass(frozen=True, slots=True)
class BrandView:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    slug: str
    name: str
    # (slug, name) from the root down to this category.
    path: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    slug: str
    name: str
    description: str
    status: ProductStatus
    featured: bool
    price_amount: int | None
    created_at: datetime
    updated_at: datetime
    brand: BrandView | None
    category: CategoryView | None
    variants: list[VariantView]  # all of them, in display order
    images: list[tuple[str, str]]  # (url, alt) in display order
    attributes: list[tuple[str, AttributeType, str]]  # (name, type, canonical text) by name

    @property
    def active_variants(self) -> list[VariantView]:
        return [v for v in self.variants if v.is_active]
