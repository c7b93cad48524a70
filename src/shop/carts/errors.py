"""Cart errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound

MAX_LINE_QUANTITY = 99


def cart_not_found(cart_id: int) -> NotFound:
    # Also for a cart that exists but the caller may not use: existence must not leak.
    return NotFound(
        f"there is no cart {cart_id} you can use; send its 'X-Cart-Token' header, or the "
        "owner's bearer token for a customer's cart",
        code="cart_not_found",
    )


def cart_item_not_found(cart_id: int, item_id: int) -> NotFound:
    return NotFound(f"cart {cart_id} has no item {item_id}", code="cart_item_not_found")


def cart_converted(cart_id: int) -> Conflict:
    return Conflict(
        f"cart {cart_id} was already checked out and can no longer change; create a new cart",
        code="cart_converted",
    )


def cart_empty(cart_id: int) -> InvalidInput:
    return InvalidInput(
        f"cart {cart_id} has no items; add at least one before checking out", code="cart_empty"
    )


def unknown_variant(variant_id: int) -> InvalidInput:
    return InvalidInput(
        f"variant_id {variant_id} names no variant; pick one from the product's variants",
        code="unknown_variant",
        field="variant_id",
    )


def variant_unavailable(variant_id: int) -> InvalidInput:
    return InvalidInput(
        f"variant {variant_id} is not for sale (the variant or its product is inactive); "
        "choose another variant",
        code="variant_unavailable",
        field="variant_id",
    )


def quantity_limit_exceeded(*, in_cart: int, adding: int) -> InvalidInput:
    return InvalidInput(
        f"a cart line holds at most {MAX_LINE_QUANTITY}; the cart already has {in_cart} of this "
        f"variant, so at most {MAX_LINE_QUANTITY - in_cart} more can be added, not {adding}",
        code="quantity_limit_exceeded",
        field="quantity",
        in_cart=in_cart,
        max_quantity=MAX_LINE_QUANTITY,
    )


def unavailable_items(cart_id: int, lines: list[dict[str, object]]) -> InvalidInput:
    return InvalidInput(
        f"cart {cart_id} holds items that are no longer for sale; remove them and try again",
        code="cart_has_unavailable_items",
        lines=lines,
    )
