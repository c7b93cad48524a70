"""Errors of payment records and refunds, each with a stable code. The gateway's own errors
(GatewayUnavailable, GatewayRejected, WebhookRejected ...) live with the port and are re-exported
here so that callers import payment errors from one place."""

from __future__ import annotations

from shop.errors import Conflict, InvalidInput, NotFound
from shop.integrations.payments.base import GatewayRejected, GatewayUnavailable, WebhookRejected
from shop.integrations.payments.registry import UnknownPaymentProvider, UnknownWebhookProvider

__all__ = [
    "GatewayRejected",
    "GatewayUnavailable",
    "InvalidRefundAmount",
    "PaymentNotFound",
    "PaymentNotRefundable",
    "RefundExceedsCaptured",
    "RefundNotFound",
    "UnknownPaymentProvider",
    "UnknownWebhookProvider",
    "WebhookRejected",
]


class PaymentNotFound(NotFound):
    code = "payment_not_found"

    def __init__(self, payment_id: int) -> None:
        super().__init__(f"there is no payment {payment_id}")


class RefundNotFound(NotFound):
    code = "refund_not_found"

    def __init__(self, refund_id: int) -> None:
        super().__init__(f"there is no refund {refund_id}")


class InvalidRefundAmount(InvalidInput):
    code = "invalid_refund_amount"

    def __init__(self, amount: int) -> None:
        super().__init__(f"a refund must be a positive amount of minor units, not {amount}")


class PaymentNotRefundable(Conflict):
    code = "payment_not_refundable"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"the payment is {status}; only a captured payment can be refunded (void an "
            "authorized one instead)",
            status_of_payment=status,
        )


class RefundExceedsCaptured(Conflict):
    code = "refund_exceeds_captured"

    def __init__(self, *, requested: int, refundable: int) -> None:
        super().__init__(
            f"at most {refundable} can still be refunded (captured minus refunded minus refunds "
            f"in progress); {requested} was asked",
            refundable=refundable,
            requested=requested,
        )
