"""Wishlist errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from shop.errors import InvalidInput


def unknown_product(product_id: int) -> InvalidInput:
    return InvalidInput(
        f"product_id {product_id} names no product", code="unknown_product", field="product_id"
    )


def product_unavailable(product_id: int) -> InvalidInput:
    return InvalidInput(
        f"product {product_id} is not for sale, so it cannot be added to the wishlist",
        code="product_unavailable",
        field="product_id",
    )
