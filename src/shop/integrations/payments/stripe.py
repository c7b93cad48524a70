"""The Stripe adapter: PaymentIntents and refunds through the official `stripe` library (its async
methods, over the app's shared httpx client), and Stripe-signed webhooks.

authorize = PaymentIntent create with confirm=true and the token as payment_method (automatic
capture; `requires_capture` with capture=False); void = cancel; refund = refunds.create. The base
address comes from SHOP_STRIPE_API_BASE, which is how the tests point it at a local fake.

For the Payment Element (the browser confirms, 3-D Secure included) `create_client_payment`
creates an unconfirmed PaymentIntent and `retrieve_client_payment` reads its outcome (see
`client_confirmation`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import stripe

from shop.integrations.payments.base import (
    METADATA_PAYMENT_ID,
    METADATA_REFUND_ID,
    GatewayRejected,
    GatewayResult,
    GatewayStatus,
    GatewayUnavailable,
    NotificationKind,
    RefundResult,
    RefundStatus,
    WebhookEvent,
    WebhookRejected,
    header_value,
    metadata_id,
)
from shop.integrations.payments.client_confirmation import ClientPayment, ClientPaymentState
from shop.integrations.payments.signatures import (
    DEFAULT_TOLERANCE_SECONDS,
    check_tolerance,
    parse_signature_header,
)
from shop.observability import metrics

PROVIDER = "stripe"
# The library logs request and response bodies (payment method tokens, client secrets) at DEBUG.
LIBRARY_LOGGER = logging.getLogger("stripe")
SIGNATURE_HEADER = "Stripe-Signature"
_INTENT_STATUSES = {
    "succeeded": GatewayStatus.CAPTURED,
    "requires_capture": GatewayStatus.AUTHORIZED,
    "processing": GatewayStatus.AUTHORIZED,  # settles later; reported by webhook
    "canceled": GatewayStatus.VOIDED,
}
_REFUND_STATUSES = {
    "succeeded": RefundStatus.SUCCEEDED,
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.FAILED,
}


class SharedHttpxClient(stripe.HTTPClient):
    """Lets the stripe library send its requests through the app's own httpx.AsyncClient
    (one connection pool, closed by the app), async only."""

    name = "shopwright-httpx"

    def __init__(self, http: httpx.AsyncClient, *, timeout: float) -> None:
        super().__init__()
        self._http = http
        self._timeout = timeout

    async def request_async(
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            response = await self._http.request(
                method, url, headers=headers, content=post_data, timeout=self._timeout
            )
        except httpx.TransportError as exc:
            # The library retries these (with the same Idempotency-Key) up to max_network_retries.
            raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
                f"could not reach Stripe: {type(exc).__name__}", should_retry=True
            ) from exc
        return response.content, response.status_code, response.headers

    def sleep_async(self, secs: float) -> Awaitable[None]:
        return anyio.sleep(secs)

    async def close_async(self) -> None:
        """The shared client belongs to the app, which closes it."""

    def close(self) -> None:
        """Nothing to close (see close_async)."""


class StripeGateway:
    """PaymentGateway over Stripe's API."""

    name = PROVIDER

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        api_base: str = "https://api.stripe.com",
        max_network_retries: int = 2,
        timeout: float = 30.0,
    ) -> None:
        if LIBRARY_LOGGER.getEffectiveLevel() < logging.INFO:
            LIBRARY_LOGGER.setLevel(logging.INFO)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=SharedHttpxClient(http, timeout=timeout),
            max_network_retries=max_network_retries,
        )

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
        try:
            intent = await self._client.v1.payment_intents.create_async(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "payment_method": token,
                    # Card tokens only; no redirect-based methods that would need a return_url.
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                    "confirm": True,
                    "capture_method": "automatic" if capture else "manual",
                    "metadata": dict(metadata or {}),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.CardError as exc:
            return _declined(exc)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return _intent_result(intent)

    async def capture(
        self, *, reference: str, amount: int | None = None, idempotency_key: str
    ) -> GatewayResult:
        try:
            intent = await self._client.v1.payment_intents.capture_async(
                reference,
                {} if amount is None else {"amount_to_capture": amount},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return _intent_result(intent)

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        try:
            intent = await self._client.v1.payment_intents.cancel_async(
                reference, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return _intent_result(intent)

    async def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> RefundResult:
        try:
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": reference, "amount": amount, "metadata": dict(metadata or {})},
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return RefundResult(
            status=_REFUND_STATUSES.get(str(refund.status), RefundStatus.PENDING),
            reference=refund.id,
            amount=refund.amount,
            failure_code=getattr(refund, "failure_reason", None),
        )

    async def create_client_payment(
        self,
        *,
        amount: int,
        currency: str,
        idempotency_key: str,
        metadata: Mapping[str, str],
    ) -> ClientPayment:
        try:
            intent = await self._client.v1.payment_intents.create_async(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    # The Payment Element offers what the account enables; redirect-based
                    # methods come back through the return URL like 3-D Secure does.
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": dict(metadata),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return _client_payment(intent)

    async def retrieve_client_payment(self, reference: str) -> ClientPayment:
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(reference)
        except stripe.StripeError as exc:
            raise _translate(exc) from exc
        return _client_payment(intent)


_CLIENT_STATES = {
    "requires_payment_method": ClientPaymentState.AWAITING_PAYMENT_METHOD,
    "requires_confirmation": ClientPaymentState.AWAITING_PAYMENT_METHOD,
    "requires_action": ClientPaymentState.REQUIRES_ACTION,
    "processing": ClientPaymentState.PROCESSING,
    "requires_capture": ClientPaymentState.AUTHORIZED,
    "succeeded": ClientPaymentState.SUCCEEDED,
    "canceled": ClientPaymentState.CANCELED,
}


def _client_payment(intent: stripe.PaymentIntent) -> ClientPayment:
    state = _CLIENT_STATES.get(intent.status, ClientPaymentState.AWAITING_PAYMENT_METHOD)
    error = intent.last_payment_error
    if state is ClientPaymentState.AWAITING_PAYMENT_METHOD and error is not None:
        # Stripe puts a declined or unauthenticated attempt back to requires_payment_method.
        state = ClientPaymentState.FAILED
    result: GatewayResult | None = None
    if state is ClientPaymentState.FAILED:
        # A failed authentication has a code but no decline_code (Stripe omits the key).
        code = getattr(error, "decline_code", None) or getattr(error, "code", None)
        message = getattr(error, "message", None) or ""
        result = GatewayResult(
            GatewayStatus.DECLINED,
            intent.id,
            failure_code=code or "payment_failed",
            message=message,
        )
    elif state in (
        ClientPaymentState.SUCCEEDED,
        ClientPaymentState.AUTHORIZED,
        ClientPaymentState.CANCELED,
    ):
        result = _intent_result(intent)
    metadata = intent.metadata.to_dict() if intent.metadata is not None else {}
    return ClientPayment(
        reference=intent.id,
        client_secret=intent.client_secret or "",
        state=state,
        amount=intent.amount,
        currency=intent.currency.upper(),
        metadata={str(k): str(v) for k, v in metadata.items()},
        result=result,
    )


def _intent_result(intent: stripe.PaymentIntent) -> GatewayResult:
    status = _INTENT_STATUSES.get(intent.status)
    if status is GatewayStatus.CAPTURED:
        return GatewayResult(status, intent.id, amount=intent.amount_received)
    if status is not None:
        return GatewayResult(status, intent.id, amount=intent.amount)
    # requires_payment_method (declined), requires_action (3-D Secure, which a server-side
    # confirmation cannot complete), requires_confirmation.
    error = intent.last_payment_error
    code = (error.decline_code or error.code) if error is not None else None
    message = (error.message or "") if error is not None else ""
    failure = code or ("authentication_required" if intent.status == "requires_action" else None)
    return GatewayResult(
        GatewayStatus.DECLINED, intent.id, failure_code=failure or intent.status, message=message
    )


def _declined(exc: stripe.CardError) -> GatewayResult:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error")
    error = error if isinstance(error, dict) else {}
    intent = error.get("payment_intent")
    reference = intent.get("id") if isinstance(intent, dict) else None
    decline_code = error.get("decline_code")
    # "generic_decline" says nothing more than card_declined; a specific one (insufficient_funds,
    # lost_card ...) is what the customer can act on.
    if isinstance(decline_code, str) and decline_code and decline_code != "generic_decline":
        failure_code = decline_code
    else:
        failure_code = exc.code or "card_declined"
    return GatewayResult(
        GatewayStatus.DECLINED,
        reference if isinstance(reference, str) else None,
        failure_code=failure_code,
        message=exc.user_message or "",
    )


def _translate(exc: stripe.StripeError) -> GatewayUnavailable | GatewayRejected:
    error = _classify(exc)
    kind = "unavailable" if isinstance(error, GatewayUnavailable) else "rejected"
    metrics.record_gateway_error(provider=PROVIDER, kind=kind)
    return error


def _classify(exc: stripe.StripeError) -> GatewayUnavailable | GatewayRejected:
    if (
        isinstance(
            exc,
            stripe.APIConnectionError
            | stripe.APIError
            | stripe.RateLimitError
            | stripe.AuthenticationError
            | stripe.PermissionError,
        )
        or (exc.http_status or 500) >= 500
    ):
        return GatewayUnavailable(PROVIDER, f"{type(exc).__name__}, HTTP {exc.http_status}")
    if isinstance(exc, stripe.IdempotencyError):
        return GatewayRejected(
            "the idempotency key was already used for a different request",
            code="idempotency_key_reused",
        )
    return GatewayRejected(
        exc.user_message or "Stripe refused the request", code=exc.code or "payment_rejected"
    )


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> WebhookEvent:
    """Verify `Stripe-Signature` the way `stripe.Webhook.construct_event` does (the library checks
    the signatures; the age is checked here against `now`, so that it can be tested), then read
    the event."""
    header = header_value(headers, SIGNATURE_HEADER)
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookRejected("the webhook body is not UTF-8", code="invalid_payload") from exc
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, tolerance=None)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(
            f"the {SIGNATURE_HEADER} header does not verify: {exc.user_message}",
            code="invalid_signature",
        ) from exc
    timestamp, _ = parse_signature_header(header, name=SIGNATURE_HEADER)
    check_tolerance(timestamp, now=now, tolerance=tolerance, name=SIGNATURE_HEADER)
    try:
        document = json.loads(payload)
        event_id = document["id"]
        event_type = document["type"]
        created = datetime.fromtimestamp(int(document["created"]), UTC)
        obj = document["data"]["object"]
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise WebhookRejected(
            "the webhook body is not a Stripe event {id, type, created, data: {object}}",
            code="invalid_payload",
        ) from exc
    if not (isinstance(event_id, str) and isinstance(event_type, str) and 0 < len(event_id) <= 100):
        raise WebhookRejected("the event id and type must be strings", code="invalid_payload")
    if not isinstance(obj, dict):
        raise WebhookRejected("data.object must be an object", code="invalid_payload")
    # A PaymentIntent's client_secret lets a browser confirm it: not something to keep.
    obj.pop("client_secret", None)
    return _event(event_id, event_type[:60], created, document, obj)


def _event(
    event_id: str, event_type: str, created: datetime, document: dict[str, Any], obj: dict[str, Any]
) -> WebhookEvent:
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "event_id": event_id,
        "type": event_type,
        "created": created,
        "payload": document,
        "currency": obj["currency"].upper() if isinstance(obj.get("currency"), str) else None,
    }
    if event_type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        succeeded = event_type == "payment_intent.succeeded"
        error = obj.get("last_payment_error")
        error = error if isinstance(error, dict) else {}
        return WebhookEvent(
            kind=NotificationKind.CAPTURED if succeeded else NotificationKind.FAILED,
            reference=_text(obj.get("id")),
            amount=_amount(obj.get("amount_received" if succeeded else "amount"), event_type),
            failure_code=None
            if succeeded
            else _text(error.get("decline_code") or error.get("code")),
            payment_id=metadata_id(obj.get("metadata"), METADATA_PAYMENT_ID),
            **common,
        )
    if event_type in ("refund.created", "refund.updated") and obj.get("status") == "succeeded":
        return WebhookEvent(
            kind=NotificationKind.REFUNDED,
            reference=_text(obj.get("payment_intent")),
            amount=_amount(obj.get("amount"), event_type),
            refund_reference=_text(obj.get("id")),
            refund_id=metadata_id(obj.get("metadata"), METADATA_REFUND_ID),
            **common,
        )
    return WebhookEvent(kind=None, reference=None, **common)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _amount(value: object, event_type: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WebhookRejected(f"the {event_type} event has no amount", code="invalid_payload")
    return value
