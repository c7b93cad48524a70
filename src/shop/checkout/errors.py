"""Checkout errors with stable codes (the `code` member of the problem document)."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, ShopError


class IdempotencyKeyMissing(ShopError):
    code = "idempotency_key_missing"
    status = 400
    title = "Idempotency-Key missing"

    def __init__(self) -> None:
        super().__init__(
            "send an 'Idempotency-Key' header (a random UUID per order attempt; reuse it only "
            "to retry the same request)"
        )


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"

    def __init__(self) -> None:
        super().__init__(
            "a request with this Idempotency-Key is still being processed; wait for it and "
            "retry the same request to get its answer"
        )


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used for a different request; use a new key for a new "
            "checkout"
        )


class PaymentDeclined(ShopError):
    code = "payment_declined"
    status = 402
    title = "Payment declined"

    def __init__(self, *, failure_code: str | None, order_number: str) -> None:
        super().__init__(
            "the payment was declined"
            + (f" ({failure_code})" if failure_code else "")
            + "; nothing was charged and the cart is unchanged: try another card",
            failure_code=failure_code,
            order_number=order_number,
        )


class PaymentOutcomeUnknown(ShopError):
    code = "payment_provider_unavailable"
    status = 503
    title = "Payment provider unavailable"

    def __init__(self, *, order_number: str, retry_after: int) -> None:
        super().__init__(
            f"the payment provider did not answer; order {order_number} is pending until the "
            "payment is confirmed. Retry the same request with the same Idempotency-Key to get "
            "the outcome; do not start a new checkout",
            order_number=order_number,
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class CheckoutInProgress(Conflict):
    code = "checkout_in_progress"

    def __init__(self, order_number: str) -> None:
        super().__init__(
            f"order {order_number} was already placed from this cart and is awaiting its "
            "payment; retry with that checkout's Idempotency-Key to get its outcome",
            order_number=order_number,
        )
