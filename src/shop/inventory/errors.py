"""Inventory errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from typing import TypedDict

from shop.errors import Conflict, InvalidInput, NotFound


class ShortLine(TypedDict):
    variant_id: int
    sku: str | None
    requested: int
    available: int


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, lines: list[ShortLine]) -> None:
        names = ", ".join(line["sku"] or f"variant {line['variant_id']}" for line in lines)
        super().__init__(
            f"not enough stock for {names}; lower the quantities or remove these lines",
            lines=lines,
        )
        self.lines = lines


class StockWouldGoNegative(Conflict):
    code = "stock_would_go_negative"

    def __init__(self, variant_id: int, on_hand: int, delta: int) -> None:
        super().__init__(
            f"variant {variant_id} has {on_hand} on hand; an adjustment of {delta} would take "
            "it below zero",
            variant_id=variant_id,
            on_hand=on_hand,
        )


class RestockExceedsSold(InvalidInput):
    code = "restock_exceeds_sold"

    def __init__(self, variant_id: int, requested: int, returnable: int) -> None:
        super().__init__(
            f"variant {variant_id}: {requested} cannot go back to stock, the order has only "
            f"{returnable} of it not yet returned",
            variant_id=variant_id,
            returnable=returnable,
        )


class LedgerNotEmpty(Conflict):
    code = "ledger_not_empty"

    def __init__(self, variant_id: int) -> None:
        super().__init__(
            f"variant {variant_id} already has stock movements; record changes as adjustments"
        )


def variant_not_found(variant_id: int) -> NotFound:
    return NotFound(f"there is no variant {variant_id}", code="variant_not_found")
