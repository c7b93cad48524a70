"""The port for payments the shopper confirms in the browser (Stripe's Payment Element).

The server creates the payment without a payment method and hands its client secret to the
page; the provider's script collects the card, runs 3-D Secure and confirms. The server then
asks the provider what happened (never the browser): `ClientPayment.result` is the outcome the
shop records, or None while the shopper still has to act or the provider is still working.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from shop.integrations.payments.base import GatewayResult, PaymentGateway

# Metadata key for the order number, so that a payment is recognisable in the provider's
# dashboard (the ids the webhooks rely on are sent too: METADATA_PAYMENT_ID, METADATA_ORDER_ID).
METADATA_ORDER_NUMBER = "order_number"


class ClientPaymentState(StrEnum):
    AWAITING_PAYMENT_METHOD = "awaiting_payment_method"  # nothing tried yet
    REQUIRES_ACTION = "requires_action"  # e.g. 3-D Secure not completed
    PROCESSING = "processing"  # the provider settles it later (webhook)
    SUCCEEDED = "succeeded"  # captured
    AUTHORIZED = "authorized"  # held, captured later
    FAILED = "failed"  # the attempt was declined or authentication failed
    CANCELED = "canceled"


FINAL_STATES = frozenset(
    {
        ClientPaymentState.SUCCEEDED,
        ClientPaymentState.AUTHORIZED,
        ClientPaymentState.FAILED,
        ClientPaymentState.CANCELED,
    }
)


@dataclass(frozen=True, slots=True)
class ClientPayment:
    reference: str  # the provider's id, e.g. pi_...
    client_secret: str  # lets a browser confirm this one payment: show it, never store it
    state: ClientPaymentState
    amount: int
    currency: str  # ISO 4217, upper case
    metadata: Mapping[str, str] = field(default_factory=dict)
    result: GatewayResult | None = None  # set exactly when `state` is in FINAL_STATES


@runtime_checkable
class ClientConfirmedGateway(PaymentGateway, Protocol):
    """A gateway whose payments can also be confirmed by the shopper's browser (`void` cancels
    such a payment while it awaits confirmation)."""

    async def create_client_payment(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ClientPayment:
        """A payment awaiting the browser's confirmation (payment methods chosen by the
        provider). Raises GatewayUnavailable and GatewayRejected."""
        ...

    async def retrieve_client_payment(self, reference: str) -> ClientPayment:
        """The payment as the provider has it now. Raises GatewayUnavailable, and
        GatewayRejected for an id the provider does not know."""
        ...
