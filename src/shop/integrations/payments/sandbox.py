"""The sandbox adapter: an HTTP client of the in-repo sandbox provider (sandbox_app.py), and the
verification of its signed webhooks.

Wire format (JSON, `Authorization: Bearer <any non-empty key>`, `Idempotency-Key` on writes):
`POST /v1/payments {amount, currency, token, capture, metadata}` -> a payment object
`{id, status, amount, currency, captured_amount, refunded_amount, failure_code, failure_message,
metadata, ...}`; errors are `{"error": {"type", "code", "message", "param"?}}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

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
from shop.integrations.payments.signatures import DEFAULT_TOLERANCE_SECONDS, verify_signature
from shop.observability import metrics

PROVIDER = "sandbox"
# Any non-empty key is accepted by the sandbox; a real provider would issue one.
SANDBOX_API_KEY = "sk_sandbox_shopwright"
SIGNATURE_HEADER = "Sandbox-Signature"
EVENT_KINDS = {
    "payment.captured": NotificationKind.CAPTURED,
    "payment.failed": NotificationKind.FAILED,
    "refund.succeeded": NotificationKind.REFUNDED,
}
_STATUSES = {status.value: status for status in GatewayStatus}
_REFUND_STATUSES = {status.value: status for status in RefundStatus}


class SandboxGateway:
    """PaymentGateway over the sandbox provider's HTTP API."""

    name = PROVIDER

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str = SANDBOX_API_KEY,
        timeout: float = 10.0,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

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
        body = {
            "amount": amount,
            "currency": currency,
            "token": token,
            "capture": capture,
            "metadata": dict(metadata or {}),
        }
        payment = await self._call("POST", "/v1/payments", body, idempotency_key)
        return _result(payment)

    async def capture(
        self, *, reference: str, amount: int | None = None, idempotency_key: str
    ) -> GatewayResult:
        body = {} if amount is None else {"amount": amount}
        payment = await self._call(
            "POST", f"/v1/payments/{reference}/capture", body, idempotency_key
        )
        return _result(payment)

    async def void(self, *, reference: str, idempotency_key: str) -> GatewayResult:
        payment = await self._call("POST", f"/v1/payments/{reference}/void", {}, idempotency_key)
        return _result(payment)

    async def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: Mapping[str, str] | None = None,
    ) -> RefundResult:
        body = {"amount": amount, "metadata": dict(metadata or {})}
        refund = await self._call(
            "POST", f"/v1/payments/{reference}/refunds", body, idempotency_key
        )
        status = _REFUND_STATUSES.get(str(refund.get("status")), RefundStatus.PENDING)
        return RefundResult(
            status=status,
            reference=_str(refund.get("id")),
            amount=int(refund.get("amount", amount)),
            failure_code=_str(refund.get("failure_code")),
        )

    async def retrieve(self, reference: str) -> dict[str, Any]:
        """The provider's view of a payment (reconciliation, tests)."""
        return await self._call("GET", f"/v1/payments/{reference}", None, None)

    async def send_webhook(self, *, reference: str, type: str) -> dict[str, Any]:
        """Ask the sandbox to emit (or re-send) a signed webhook of `type` for a payment now; a
        `payment.captured` or `payment.failed` for a held payment also settles it that way."""
        return await self._call("POST", f"/v1/payments/{reference}/webhooks", {"type": type}, None)

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str | None
    ) -> dict[str, Any]:
        try:
            return await self._exchange(method, path, body, idempotency_key)
        except (GatewayUnavailable, GatewayRejected) as exc:
            kind = "unavailable" if isinstance(exc, GatewayUnavailable) else "rejected"
            metrics.record_gateway_error(provider=PROVIDER, kind=kind)
            raise

    async def _exchange(
        self, method: str, path: str, body: dict[str, Any] | None, idempotency_key: str | None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._api_key}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = await self._http.request(
                method,
                f"{self._base_url}{path}",
                json=body,
                headers=headers,
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            raise GatewayUnavailable(PROVIDER, type(exc).__name__) from exc
        try:
            document = response.json()
        except ValueError:
            document = None
        if response.status_code >= 500 or response.status_code in (401, 403, 429):
            raise GatewayUnavailable(PROVIDER, f"HTTP {response.status_code}")
        if not isinstance(document, dict):
            raise GatewayUnavailable(PROVIDER, f"unreadable answer, HTTP {response.status_code}")
        if response.status_code >= 400:
            error = document.get("error")
            error = error if isinstance(error, dict) else {}
            raise GatewayRejected(
                str(error.get("message") or f"the sandbox refused the request ({path})"),
                code=str(error.get("code") or "payment_rejected"),
            )
        return document


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _result(payment: Mapping[str, Any]) -> GatewayResult:
    status = _STATUSES.get(str(payment.get("status")))
    if status is None:
        raise GatewayUnavailable(PROVIDER, f"unexpected payment status {payment.get('status')!r}")
    amount_field = "captured_amount" if status is GatewayStatus.CAPTURED else "amount"
    amount = payment.get(amount_field)
    return GatewayResult(
        status=status,
        reference=_str(payment.get("id")),
        failure_code=_str(payment.get("failure_code")),
        message=str(payment.get("failure_message") or ""),
        amount=amount if isinstance(amount, int) else None,
    )


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secret: str,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> WebhookEvent:
    """Verify `Sandbox-Signature` and read the event. Raises WebhookRejected with the code
    invalid_signature, stale_signature or invalid_payload."""
    verify_signature(
        body,
        header_value(headers, SIGNATURE_HEADER),
        secret=secret,
        now=now,
        name=SIGNATURE_HEADER,
        tolerance=tolerance,
    )
    try:
        document = json.loads(body)
        event_id = document["id"]
        event_type = document["type"]
        created = datetime.fromtimestamp(int(document["created"]), UTC)
        payment = document["data"]["payment"]
        reference = payment["id"]
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise WebhookRejected(
            "the webhook body is not a sandbox event {id, type, created, data: {payment}}",
            code="invalid_payload",
        ) from exc
    if not (isinstance(event_id, str) and isinstance(event_type, str) and 0 < len(event_id) <= 100):
        raise WebhookRejected(
            "the event id (at most 100 characters) and type must be strings",
            code="invalid_payload",
        )
    if not isinstance(payment, dict) or not isinstance(reference, str):
        raise WebhookRejected("data.payment must be a payment object", code="invalid_payload")
    kind = EVENT_KINDS.get(event_type)
    refund = document["data"].get("refund")
    refund = refund if isinstance(refund, dict) else {}
    if kind is NotificationKind.CAPTURED:
        amount = payment.get("captured_amount")
    elif kind is NotificationKind.REFUNDED:
        amount = refund.get("amount")
    else:
        amount = payment.get("amount")
    if kind is not None and not (isinstance(amount, int) and amount >= 0):
        raise WebhookRejected(f"the {event_type} event has no amount", code="invalid_payload")
    return WebhookEvent(
        provider=PROVIDER,
        event_id=event_id,
        type=event_type[:60],
        kind=kind,
        created=created,
        payload=document,
        reference=reference,
        amount=amount if isinstance(amount, int) else None,
        currency=_str(payment.get("currency")),
        failure_code=_str(payment.get("failure_code")),
        payment_id=metadata_id(payment.get("metadata"), METADATA_PAYMENT_ID),
        refund_reference=_str(refund.get("id")),
        refund_id=metadata_id(refund.get("metadata"), METADATA_REFUND_ID),
    )
