"""The payment gateway port: what the shop needs from a payment provider, and nothing more.

Adapters (sandbox, stripe) speak their provider's HTTP API. Every call carries an idempotency key
that the adapter sends as the `Idempotency-Key` header, so a retry after a timeout replays the
provider's first answer instead of charging twice. Repeating `authorize` with the same key and the
same arguments is also how an unknown outcome (`GatewayUnavailable`) is resolved later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from shop.errors import ShopError

# Metadata keys the shop sends with a payment or refund; providers echo them in webhooks, which is
# how an event finds its payment even before the provider's id has been recorded on our side.
METADATA_PAYMENT_ID = "payment_id"
METADATA_ORDER_ID = "order_id"
METADATA_REFUND_ID = "refund_id"


class GatewayStatus(StrEnum):
    CAPTURED = "captured"  # the money is taken
    AUTHORIZED = "authorized"  # held; captured later (by `capture`, or by the provider + webhook)
    DECLINED = "declined"  # refused by the card issuer or the provider's risk checks
    VOIDED = "voided"  # an authorization released without capture


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PENDING = "pending"  # accepted; the outcome arrives by webhook
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class GatewayResult:
    status: GatewayStatus
    reference: str | None  # the provider's payment id (sbx_..., pi_...); None if never created
    failure_code: str | None = None  # card_declined, insufficient_funds ... when declined
    message: str = ""
    amount: int | None = None  # the amount the provider now holds or took, when it says so


@dataclass(frozen=True, slots=True)
class RefundResult:
    status: RefundStatus
    reference: str | None  # the provider's refund id
    amount: int
    failure_code: str | None = None
    message: str = ""


class NotificationKind(StrEnum):
    CAPTURED = "captured"
    FAILED = "failed"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook, translated from the provider's format. `kind` is None for event types
    the shop does not act on (they are still recorded, so that replays stay no-ops)."""

    provider: str
    event_id: str
    type: str  # the provider's own event type
    kind: NotificationKind | None
    created: datetime
    payload: dict[str, Any]
    reference: str | None = None  # the provider's payment id
    amount: int | None = None  # captured amount | payment amount (failed) | refund amount
    currency: str | None = None
    failure_code: str | None = None
    payment_id: int | None = None  # ours, echoed back from the metadata we sent
    refund_reference: str | None = None
    refund_id: int | None = None  # ours, from the refund's metadata
    extra: Mapping[str, Any] = field(default_factory=dict)


class GatewayUnavailable(ShopError):
    """The provider could not be reached or answered 5xx: the outcome is UNKNOWN. The caller must
    not treat this as a decline; retry later with the same idempotency key."""

    code = "payment_provider_unavailable"
    status = 503
    title = "Payment provider unavailable"

    def __init__(self, provider: str, detail: str) -> None:
        super().__init__(
            f"the payment provider '{provider}' did not answer ({detail}); the payment outcome is "
            "not known yet, retry the same request with the same Idempotency-Key",
        )
        self.provider = provider


class GatewayRejected(ShopError):
    """The provider refused the request itself (unknown token, an amount above what can be
    refunded, a payment in the wrong state). Definite: nothing happened at the provider."""

    code = "payment_rejected"
    status = 422
    title = "Payment rejected"


class WebhookRejected(ShopError):
    """A webhook that is not provably from the provider, or not readable."""

    code = "invalid_signature"
    status = 400
    title = "Webhook rejected"


@runtime_checkable
class PaymentGateway(Protocol):
    """One payment provider. All amounts are integer minor units; `currency` is ISO 4217."""

    @property
    def name(self) -> str: ...

    async def authorize(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
        capture: bool = True,
    ) -> GatewayResult:
        """Charge (capture=True) or only hold (capture=False) `amount` on the tokenised card.
        Declines are results, not exceptions. Raises GatewayUnavailable (outcome unknown) and
        GatewayRejected (e.g. `invalid_token`)."""
        ...

    async def capture(
        self, *, reference: str, amount: int | None = None, idempotency_key: str
    ) -> GatewayResult:
        """Capture a held authorization (all of it when `amount` is None)."""
        ...

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        """Release an authorization that was not captured."""
        ...

    async def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> RefundResult:
        """Give back part or all of a captured payment; never more than captured − refunded."""
        ...


def metadata_id(metadata: object, key: str) -> int | None:
    """One of our ids echoed back in a provider's metadata; None when absent or not ours."""
    if not isinstance(metadata, Mapping):
        return None
    value = metadata.get(key)
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup on any mapping (Starlette's Headers, a plain dict)."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None
