"""Catalog errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound


def product_not_found(reference: object) -> NotFound:
    return NotFound(f"there is no product {reference}", code="product_not_found")


def variant_not_found(product_id: int, variant_id: int) -> NotFound:
    return NotFound(f"product {product_id} has no variant {variant_id}", code="variant_not_found")


def category_not_found(category_id: int) -> NotFound:
    return NotFound(f"there is no category {category_id}", code="category_not_found")


def brand_not_found(brand_id: int) -> NotFound:
    return NotFound(f"there is no brand {brand_id}", code="brand_not_found")


def unknown_brand(brand_id: int) -> InvalidInput:
    return InvalidInput(
        f"brand_id {brand_id} names no brand; pick one from GET /api/v1/admin/brands",
        code="unknown_brand",
        field="brand_id",
    )


def unknown_category(category_id: int, *, field: str = "category_id") -> InvalidInput:
    return InvalidInput(
        f"{field} {category_id} names no category; pick one from GET /api/v1/admin/categories",
        code="unknown_category",
        field=field,
    )


def slug_taken(slug: str, kind: str) -> Conflict:
    return Conflict(
        f"the slug '{slug}' is already used by another {kind}; choose another slug",
        code="slug_taken",
        slug=slug,
    )


def sku_taken(sku: str) -> Conflict:
    return Conflict(
        f"the SKU '{sku}' is already used by another variant; SKUs are unique across the shop",
        code="sku_taken",
        sku=sku,
    )


def currency_mismatch(field: str, given: str, store: str) -> InvalidInput:
    return InvalidInput(
        f"{field} is in {given} but the store sells in {store}; send amounts in {store}",
        code="currency_mismatch",
        field=field,
    )


def compare_at_not_above_price(sku: str) -> InvalidInput:
    return InvalidInput(
        f"variant '{sku}': compare_at_price must be greater than price (it is the former "
        "price shown struck through); send a higher amount or null",
        code="compare_at_not_above_price",
        field="compare_at_price",
    )
