"""Order errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from collections.abc import Iterable

from shop.errors import Conflict, InvalidInput, NotFound
from shop.models.orders import OrderStatus


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(
        self,
        current: OrderStatus,
        wanted: OrderStatus,
        allowed: Iterable[OrderStatus],
        *,
        hint: str = "",
    ) -> None:
        allowed_list = [str(status) for status in allowed]
        options = ", ".join(allowed_list) or "none: the order is final"
        super().__init__(
            f"an order that is {current} cannot become {wanted} (allowed: {options}){hint}",
            current=str(current),
            allowed=allowed_list,
        )


class FulfillmentRequired(Conflict):
    code = "fulfillment_required"

    def __init__(self, number: str) -> None:
        super().__init__(
            f"order {number} becomes shipped by recording its shipment: POST "
            f"/api/v1/admin/orders/{number}/fulfillments with carrier and tracking_number"
        )


class PaymentRequired(Conflict):
    code = "payment_required"

    def __init__(self, number: str) -> None:
        super().__init__(f"order {number} becomes paid when its payment is captured, not by hand")


class RefundExceedsCaptured(Conflict):
    code = "refund_exceeds_captured"

    def __init__(self, number: str, amount: int, refundable: int) -> None:
        super().__init__(
            f"order {number} has {refundable} (minor units) left to refund; {amount} is more "
            "than that",
            refundable=refundable,
        )


class NoCapturedPayment(Conflict):
    code = "no_captured_payment"

    def __init__(self, number: str) -> None:
        super().__init__(f"order {number} has no captured payment to refund")


class UnknownOrderLine(InvalidInput):
    code = "unknown_order_line"

    def __init__(self, number: str, line_id: int) -> None:
        super().__init__(
            f"order {number} has no line {line_id}; restock names lines of this order",
            line_id=line_id,
        )


def order_not_found(number: str) -> NotFound:
    # The same answer whether the order does not exist or is someone else's.
    return NotFound(f"there is no order {number} you can see", code="order_not_found")
